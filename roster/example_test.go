package roster_test

import (
	"fmt"

	"kaohe/roster"
)

func ExampleRoster_Resolve() {
	csv := "考核单位,类型,邮箱\n朝阳区代办处,区,chaoyang@example.org\n市建工集团代办处,总公司,jg@example.org；jg2@example.org\n"
	r, problems, err := roster.Parse("roster.csv", []byte(csv))
	if err != nil {
		panic(err)
	}
	fmt.Println(len(r.Agencies), len(problems))

	a, known, mismatch := r.Resolve("王会计 <JG2@example.org>", "建工集团")
	fmt.Println(a.Name, a.Type, known, mismatch)

	a, known, mismatch = r.Resolve("chaoyang@example.org", "市建工集团代办处")
	fmt.Println(a.Name, known, mismatch)

	a, known, _ = r.Resolve("someone@qq.example", "丰台区代办处")
	fmt.Println(a.Name, a.Type, known, a.TypeInferred)
	// Output:
	// 2 0
	// 市建工集团代办处 sector true false
	// 朝阳区代办处 true true
	// 丰台区代办处 district false true
}
