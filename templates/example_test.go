package templates_test

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"kaohe/templates"
)

// Write the blank 2021 form and find an indicator's cells by its layout.
func ExampleWriteBlank() {
	f := templates.MustLoad(2021)
	var buf bytes.Buffer
	if err := templates.WriteBlank(f, &buf); err != nil {
		panic(err)
	}
	l := templates.BlankLayout(f)
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		panic(err)
	}
	defer x.Close()
	cap32, _ := x.GetCellValue(l.Sheet, l.Caps["3.2"])
	fmt.Println(l.Sheet, l.Scores["3.2"], cap32, templates.AllowedList(f.Sections[2].Indicators[1]))
	fmt.Println(l.FieldLabels["staff"], "→", l.Fields["staff"])
	// Output:
	// 考核表 E36 8 0,1,2,4,6,8
	// B6 → C6
}
