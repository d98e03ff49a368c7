package notice_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"kaohe/notice"
	"kaohe/reply"
	"kaohe/store"
)

// Publishing the approved results twice, then once more after one changed:
// the notice goes out once, the change as one 更正.
func ExamplePublish() {
	dir, _ := os.MkdirTemp("", "notice-example")
	defer os.RemoveAll(dir)
	st, err := store.Open(dir, store.Options{Season: 2021})
	if err != nil {
		panic(err)
	}
	defer st.Close()
	opts := reply.ComposeOptions{From: "zzjgb@example.org", FromName: "北京办事处组织机构部", MsgIDDomain: "example.org", Season: 2021}
	publish := func(grade string) {
		n := reply.ResultNotice{Agency: "东城区代办处", Grade: grade, Final: 88, Quota: 2,
			RecommendCutoff: time.Date(2022, 4, 15, 16, 0, 0, 0, time.UTC)}
		rep, err := notice.Publish(context.Background(), st, notice.ResultOptions(time.Now()),
			[]notice.Notice{notice.Result(n, []string{"dc@example.org", "dc-office@example.org"}, opts)})
		if err != nil {
			panic(err)
		}
		o := rep.Outcomes[0]
		fmt.Println(o.Action, o.Revision, rep.Queued())
	}
	publish("良好")
	publish("良好")
	publish("优秀")
	// Output:
	// first 1 2
	// unchanged 1 0
	// corrected 2 2
}
