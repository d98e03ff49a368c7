package results

import (
	"fmt"

	"kaohe/config"
	"kaohe/scoring"
)

// Three districts and a late one share 10 recommendations by their final
// scores alone: 112 : 96 : 72 gives 4, 3.43 and 2.57; the one 优秀 is
// raised to its floor of 5, and the other two share the 5 left, 2.86 and
// 2.14, rounded by the largest remainder.
func ExampleCompute() {
	in := season([]ag{
		{name: "东城区代办处", typ: scoring.District, final: 112},
		{name: "西城区代办处", typ: scoring.District, final: 96},
		{name: "朝阳区代办处", typ: scoring.District, final: 72},
		{name: "海淀区代办处", typ: scoring.District, final: 120, fate: late},
	})
	r := config.DefaultResults()
	r.District = config.GradeRule{Excellent: 110, Good: 90, Pass: 60}
	r.Weights = config.Weights{Final: 1}
	r.IndividualQuota, r.MinPerExcellent = 10, 5
	o, err := Compute(in, Options{Rules: r, Season: 2021})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, x := range o.Results {
		q := o.Quota.Rows[i]
		fmt.Printf("%d %s %s %g 分：按比例 %.3f，保底后 %.3f，名额 %d\n", x.Rank, x.Agency, x.Grade, x.Final, q.Exact, q.Adjusted, x.Quota)
	}
	// Output:
	// 1 东城区代办处 优秀 112 分：按比例 4.000，保底后 5.000，名额 5
	// 2 西城区代办处 良好 96 分：按比例 3.429，保底后 2.857，名额 3
	// 3 朝阳区代办处 合格 72 分：按比例 2.571，保底后 2.143，名额 2
	// 0 海淀区代办处 不合格 120 分：按比例 0.000，保底后 0.000，名额 0
}
