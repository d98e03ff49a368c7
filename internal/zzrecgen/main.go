package main

import (
	"fmt"
	"os"
	"time"

	"kaohe/annotate"
	"kaohe/recommend"
)

func main() {
	def := recommend.MustLoad(2021)
	data, _ := os.ReadFile(os.Args[1])
	f, fs := recommend.Read(data, recommend.ReadOptions{Definition: def})
	if f == nil {
		fmt.Println(fs)
		os.Exit(1)
	}
	cal, _ := recommend.ParseCalendar([]string{"2022-04-04", "2022-04-05"}, nil)
	ctx := recommend.Context{Grade: "不合格", Quota: 1, QuotaKnown: true, Received: time.Date(2022, 4, 6, 9, 0, 0, 0, time.UTC),
		Cutoff: time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC), Calendar: cal}
	found := recommend.Check(f, def, ctx)
	for _, x := range found {
		fmt.Println(x.Code, x.Cell, x.Message)
	}
	out, err := annotate.Recommendation(f, found, def)
	if err != nil {
		panic(err)
	}
	os.WriteFile(os.Args[2], out, 0o600)
}
