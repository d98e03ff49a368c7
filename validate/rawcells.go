package validate

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// A formula without a cached value (openpyxl and other writers that never
// calculate leave one in 总分值) used to be read through excelize's
// GetCellFormula and CalcCellValue, which build the DOM of the whole
// sheet: a third of the time of reading such a form. The sheet's raw XML
// says which cells have a formula and of what type each cell is, and the
// formulas clerks write (a SUM of the self-scores) are summed from the
// grid; anything else still goes to excelize.

// rawCell is what the sheet's XML says of one cell beyond its value.
type rawCell struct {
	typ     string // the t attribute: "s", "inlineStr", "str", "b", "e", "n" or ""
	formula string // the formula's text; "" for a shared formula's dependant
	hasF    bool
}

// cellIndex maps the cells that have a type other than a number, or a
// formula, by their A1 name. Cells absent from it are numbers or empty.
type cellIndex map[string]rawCell

// maxIndexedCells bounds the index; a sheet with more typed cells is left
// to excelize.
const maxIndexedCells = 20000

// indexCells scans a worksheet's XML; ok is false when the XML is written
// in a way the scan does not follow (namespace prefixes, cells without a
// reference, entities in formulas), and excelize is then asked.
func indexCells(x []byte) (cellIndex, bool) {
	if x == nil || bytes.Contains(x, []byte(":sheetData")) || bytes.Contains(x, []byte(":c ")) {
		return nil, false
	}
	idx := cellIndex{}
	rest := x
	for {
		i := bytes.Index(rest, []byte("<c"))
		if i < 0 {
			return idx, true
		}
		rest = rest[i+2:]
		if len(rest) == 0 {
			return nil, false
		}
		if c := rest[0]; c != ' ' && c != '>' && c != '/' && c != '\t' && c != '\r' && c != '\n' {
			continue // <col>, <cols>, <cfRule>, …
		}
		end := bytes.IndexByte(rest, '>')
		if end < 0 {
			return nil, false
		}
		tag := rest[:end]
		selfClosing := end > 0 && tag[end-1] == '/'
		rest = rest[end+1:]
		ref := attr(tag, "r")
		if ref == "" {
			return nil, false
		}
		cell := rawCell{typ: attr(tag, "t")}
		if !selfClosing {
			close := bytes.Index(rest, []byte("</c>"))
			if close < 0 {
				return nil, false
			}
			body := rest[:close]
			rest = rest[close+4:]
			if f := bytes.Index(body, []byte("<f")); f >= 0 {
				cell.hasF = true
				fb := body[f+2:]
				gt := bytes.IndexByte(fb, '>')
				if gt < 0 {
					return nil, false
				}
				if gt == 0 || fb[gt-1] != '/' {
					stop := bytes.Index(fb, []byte("</f>"))
					if stop < gt {
						return nil, false
					}
					cell.formula = string(fb[gt+1 : stop])
					if strings.ContainsRune(cell.formula, '&') {
						return nil, false
					}
				}
			}
		}
		if cell.hasF || (cell.typ != "" && cell.typ != "n") {
			if len(idx) >= maxIndexedCells {
				return nil, false
			}
			idx[ref] = cell
		}
	}
}

// attr returns an attribute's value in a start tag ("" when absent).
func attr(tag []byte, name string) string {
	for _, q := range []string{`"`, `'`} {
		key := []byte(" " + name + "=" + q)
		i := bytes.Index(tag, key)
		if i < 0 {
			continue
		}
		v := tag[i+len(key):]
		if j := bytes.IndexByte(v, q[0]); j >= 0 {
			return string(v[:j])
		}
	}
	return ""
}

var (
	cellRef  = regexp.MustCompile(`^\$?([A-Z]{1,3})\$?([0-9]{1,7})$`)
	sumCall  = regexp.MustCompile(`^SUM\((.*)\)$`)
	plusList = regexp.MustCompile(`^[A-Z0-9$]+(\+[A-Z0-9$]+)*$`)
)

// quickFormula evaluates a SUM of cells and ranges, or a sum of cells,
// from the grid, as Excel does: in a SUM, text and booleans are skipped;
// an error value is the result. ok is false for any other formula, and
// for one whose cells reach beyond the grid or have formulas of their own
// without a cached value.
func (r *reader) quickFormula(formula string) (string, bool) {
	f := strings.TrimPrefix(strings.TrimSpace(formula), "=")
	if strings.ContainsAny(f, " \t\r\n") {
		return "", false // a space between references is Excel's intersection
	}
	var args []string
	inSum := false
	if m := sumCall.FindStringSubmatch(f); m != nil {
		args, inSum = strings.Split(m[1], ","), true
	} else if plusList.MatchString(f) {
		args = strings.Split(f, "+")
	} else {
		return "", false
	}
	var sum float64
	cells := 0
	for _, a := range args {
		from, to, ok := strings.Cut(a, ":")
		if ok && !inSum {
			return "", false
		}
		if !ok {
			to = from
		}
		p1, ok1 := refPos(from)
		p2, ok2 := refPos(to)
		if !ok1 || !ok2 {
			return "", false
		}
		for row := min(p1.r, p2.r); row <= max(p1.r, p2.r); row++ {
			for c := min(p1.c, p2.c); c <= max(p1.c, p2.c); c++ {
				if cells++; cells > maxFormulaCells || row >= maxGridRows || c >= maxGridCols {
					return "", false
				}
				p := pos{row, c}
				raw := r.g.at(p)
				rc := r.cells[p.name()]
				switch {
				case rc.hasF && raw == "":
					return "", false // a formula of its own, not calculated
				case rc.typ == "e":
					return raw, true
				case rc.typ == "s" || rc.typ == "inlineStr" || rc.typ == "str" || rc.typ == "b":
					if !inSum {
						return "", false // Excel converts or refuses text in a +
					}
					continue
				case raw == "":
					continue
				}
				v, err := strconv.ParseFloat(raw, 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return "", false
				}
				sum += v
			}
		}
	}
	return strconv.FormatFloat(denoise(sum), 'f', -1, 64), true
}

// refPos reads an A1 reference (with or without $) as a position.
func refPos(ref string) (pos, bool) {
	m := cellRef.FindStringSubmatch(ref)
	if m == nil {
		return pos{}, false
	}
	c, err1 := excelize.ColumnNameToNumber(m[1])
	row, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil || row < 1 {
		return pos{}, false
	}
	return pos{row - 1, c - 1}, true
}
