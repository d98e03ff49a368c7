package validate_test

import (
	"fmt"
	"os"

	"kaohe/templates"
	"kaohe/validate"
)

func ExampleRead() {
	data, err := os.ReadFile("testdata/official.xlsx")
	if err != nil {
		panic(err)
	}
	sub, findings := validate.Read(data, validate.Options{Form: templates.MustLoad(2021), Filename: "考核表.xlsx"})
	fmt.Println(sub.Sheet, sub.SelfColumn, sub.HeaderRow, len(sub.Scores), len(findings))
	fmt.Println(sub.Scores["1.4"].Cell, sub.Fields["staff"].Cell)

	_, findings = validate.Read([]byte("not a workbook"), validate.Options{Form: templates.MustLoad(2021)})
	fmt.Println(findings[0].Code, findings[0].Severity)
	// Output:
	// 考核表 E 17 30 0
	// E21 C6
	// unreadable_file error
}
