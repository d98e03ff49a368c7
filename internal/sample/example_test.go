package sample_test

import (
	"fmt"

	"kaohe/internal/sample"
	"kaohe/templates"
)

// A good form, and the same form with a score above its cap.
func ExampleWorkbook() {
	f := templates.MustLoad(2021)
	good := sample.Good("朝阳区代办处", true)
	bad := good.With(sample.SetScore("1.1", 5))
	for _, v := range []sample.Values{good, bad} {
		data, err := sample.Workbook(f, v)
		if err != nil {
			panic(err)
		}
		fmt.Println(len(data) > 0, v.Scores["1.1"])
	}
	// Output:
	// true 3
	// true 5
}
