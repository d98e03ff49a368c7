package validate

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Formulas are attacker-controlled input: only short ones over small ranges
// are evaluated.
const (
	maxFormulaLen   = 300
	maxFormulaCells = 2000
)

var (
	rangeRef = regexp.MustCompile(`\$?([A-Za-z]{1,3})\$?(\d{1,7}):\$?([A-Za-z]{1,3})\$?(\d{1,7})`)
	wholeRef = regexp.MustCompile(`(^|[^A-Za-z0-9_.])\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}([^A-Za-z0-9_(]|$)|(^|[^A-Za-z0-9_.$])\$?\d+:\$?\d+`)
)

// safeFormula reports whether a formula is small enough to evaluate: short,
// no whole-column or whole-row references, no range over maxFormulaCells
// cells, and no functions that reach outside the sheet or recurse.
func safeFormula(formula string) bool {
	if len(formula) > maxFormulaLen {
		return false
	}
	up := strings.ToUpper(formula)
	for _, bad := range []string{"INDIRECT", "OFFSET", "ANCHORARRAY", "LAMBDA", "LET(", "[", "DISPIMG"} {
		if strings.Contains(up, bad) {
			return false
		}
	}
	if wholeRef.MatchString(up) {
		return false
	}
	cells := 0
	for _, m := range rangeRef.FindAllStringSubmatch(up, 20) {
		c1, err1 := excelize.ColumnNameToNumber(m[1])
		c2, err2 := excelize.ColumnNameToNumber(m[3])
		r1, err3 := strconv.Atoi(m[2])
		r2, err4 := strconv.Atoi(m[4])
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			return false
		}
		cells += (abs(c2-c1) + 1) * (abs(r2-r1) + 1)
		if cells > maxFormulaCells {
			return false
		}
	}
	return true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
