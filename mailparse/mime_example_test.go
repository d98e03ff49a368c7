package mailparse_test

import (
	"fmt"
	"os"

	"kaohe/mailparse"
)

func ExampleParse() {
	raw, err := os.ReadFile("testdata/zipped.eml")
	if err != nil {
		panic(err)
	}
	p, err := mailparse.Parse(raw, mailparse.Limits{}) // zero limits: defaults
	if err != nil {
		panic(err)
	}
	for _, a := range p.Attachments {
		fmt.Println(a.Kind, a.Path, a.Filename, a.LowConfidenceName)
	}
	// Output:
	// xlsx 附件.zip/朝阳区.xlsx 朝阳区.xlsx true
}

func ExampleParseContentDisposition() {
	disp, name, low := mailparse.ParseContentDisposition("attachment; filename*=GBK''%B3%AF%D1%F4%C7%F8.xlsx")
	fmt.Println(disp, name, low)
	_, name, _ = mailparse.ParseContentDisposition(`attachment; filename="..\..\C:\报表` + "\u202E" + `xslx.exe"`)
	fmt.Println(name)
	// Output:
	// attachment 朝阳区.xlsx false
	// 报表xslx.exe
}
