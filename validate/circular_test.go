package validate

import (
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/sample"
)

// TestCircularFormulas: formulas without cached values that refer to each
// other are evaluated in bounded time.
func TestCircularFormulas(t *testing.T) {
	t.Parallel()
	o := opts2021()
	b := buildForm(t, o.Form, sample.Good("东城区", true), layout{})
	data := editBook(t, b.data, func(x *excelize.File) {
		for _, id := range []string{"1.1", "1.2", "1.3", "1.4", "2.1"} {
			x.SetCellValue("Sheet1", b.scores[id], nil)
		}
		a, bb, c, d := b.scores["1.1"], b.scores["1.2"], b.scores["1.3"], b.scores["1.4"]
		x.SetCellFormula("Sheet1", a, bb+"+"+c+"+"+d)
		x.SetCellFormula("Sheet1", bb, a+"+"+c+"+"+d)
		x.SetCellFormula("Sheet1", c, a+"+"+bb+"+"+d)
		x.SetCellFormula("Sheet1", d, a+"+"+bb+"+"+c)
		x.SetCellFormula("Sheet1", b.scores["2.1"], "SUM("+a+":"+d+")*SUM("+a+":"+d+")")
	})
	start := time.Now()
	_, fs := Read(data, o)
	checkBounded(t, time.Since(start), time.Second)
	if len(fs) == 0 {
		t.Errorf("no finding for circular self-scores")
	}
}
