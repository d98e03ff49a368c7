package formdef_test

import (
	"fmt"
	"strings"

	"kaohe/formdef"
	"kaohe/templates"
)

// A definition whose section caps no longer add up to the total: form
// check names the line.
func ExampleCheck() {
	src, _ := templates.Source(2021)
	broken := strings.Replace(string(src), "total_cap: 125", "total_cap: 120", 1)
	res := formdef.Check([]byte(broken))
	for _, p := range res.Problems {
		fmt.Println(p)
	}
	fmt.Println("round trip:", res.RoundTrip)
	// Output:
	// 第 12 行：各部分分值合计 125，与总分值 total_cap: 120 不符
	// round trip: false
}

// Allowed scores drafted from a criteria text.
func ExampleGuessAllowed() {
	g := formdef.GuessAllowed("培训两次以上的得4分，培训一次的得2分，未组织培训的不得分。", 4)
	fmt.Println(g.Allowed, g.Unsure == "")
	g = formdef.GuessAllowed("每开展一项活动加1分，最多5分。", 5)
	fmt.Println(g.Allowed, g.Unsure)
	// Output:
	// [0 2 4] true
	// [0 1 2 3 4 5] 考核标准按项计分（每项 1 分），已列出 0 到 5 之间每 1 分一档
}
