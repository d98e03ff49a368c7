package validate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// workbookOf builds a workbook from official.xlsx: fn adds, renames, hides
// and orders sheets; the form's sheet is 考核表.
func workbookOf(t *testing.T, fn func(x *excelize.File)) []byte {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(readTestdata(t, "official.xlsx")))
	must(t, err)
	defer x.Close()
	fn(x)
	var buf bytes.Buffer
	_, err = x.WriteTo(&buf)
	must(t, err)
	return buf.Bytes()
}

// copyForm copies the form's sheet to a new sheet placed first, with the
// given title year (0: the title removed) and self-scores kept or cleared.
func copyForm(t *testing.T, x *excelize.File, name string, year int, scores bool, hidden bool) {
	t.Helper()
	idx, err := x.NewSheet(name)
	must(t, err)
	src, err := x.GetSheetIndex("考核表")
	must(t, err)
	must(t, x.CopySheet(src, idx))
	switch year {
	case 0:
		must(t, x.SetCellValue(name, "A1", nil))
	case 2021:
	default:
		must(t, x.SetCellValue(name, "A1", strings.Replace("2021年度职工互助保障工作代办处考核表", "2021", itoa(year), 1)))
	}
	if !scores {
		for r := 18; r <= 47; r++ {
			must(t, x.SetCellValue(name, cellOf(5, r), nil))
		}
	}
	must(t, x.MoveSheet(name, x.GetSheetList()[0]))
	if hidden {
		must(t, x.SetSheetVisible(name, false))
	}
}

func itoa(n int) string {
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestSheetChoice reads workbooks holding several copies of the form, of
// this year and of others, hidden and visible, filled and blank: the
// sheet of the campaign's year is read, a visible one before a hidden
// one, then the fuller; wrong_year only when no sheet of 2021 holds the
// form; and a note names the sheets not read.
func TestSheetChoice(t *testing.T) {
	t.Parallel()
	o := opts2021()
	cases := []struct {
		name  string
		data  func(t *testing.T) []byte
		sheet string   // the sheet read; "" when the file is refused
		code  Code     // the file-level finding when refused
		notes []string // phrases of the sheets_ignored note
	}{
		{"openpyxl: hidden 2020 form first, blank copy after",
			func(t *testing.T) []byte { return readTestdata(t, "sheets_2020_first.xlsx") },
			"2021年考核表", "", []string{"「2020年考核表」是 2020 年度的考核表", "「空白表」也是考核表"}},
		{"LibreOffice: hidden 2020 form first, blank copy after",
			func(t *testing.T) []byte { return readTestdata(t, "sheets_2020_first_lo.xlsx") },
			"2021年考核表", "", []string{"「2020年考核表」是 2020 年度的考核表"}},
		{"visible filled 2020 form first", func(t *testing.T) []byte {
			return workbookOf(t, func(x *excelize.File) { copyForm(t, x, "2020年考核表", 2020, true, false) })
		}, "考核表", "", []string{"2020 年度"}},
		{"2020 form's year only in its sheet name", func(t *testing.T) []byte {
			return workbookOf(t, func(x *excelize.File) { copyForm(t, x, "2020年", 0, true, false) })
		}, "考核表", "", []string{"「2020年」是 2020 年度的考核表"}},
		{"hidden 2021 copy, fuller, before the visible form", func(t *testing.T) []byte {
			return workbookOf(t, func(x *excelize.File) {
				copyForm(t, x, "旧稿", 2021, true, true)
				must(t, x.SetCellValue("考核表", "E20", nil))
			})
		}, "考核表", "", []string{"「旧稿」是隐藏的工作表"}},
		{"blank copy first", func(t *testing.T) []byte {
			return workbookOf(t, func(x *excelize.File) { copyForm(t, x, "空白", 2021, false, false) })
		}, "考核表", "", []string{"「空白」也是考核表"}},
		{"copy without title first", func(t *testing.T) []byte {
			return workbookOf(t, func(x *excelize.File) { copyForm(t, x, "草稿", 0, true, false) })
		}, "考核表", "", []string{"「草稿」中的考核表没有写明 2021 年度"}},
		{"only hidden sheets of 2021", func(t *testing.T) []byte {
			return workbookOf(t, func(x *excelize.File) {
				copyForm(t, x, "隐藏", 2021, true, true)
				_, err := x.NewSheet("说明")
				must(t, err)
				must(t, x.SetCellValue("说明", "A1", "见隐藏表"))
				must(t, x.DeleteSheet("考核表"))
			})
		}, "隐藏", "", []string{"「说明」不是考核表"}},
		{"the 2020 form alone", func(t *testing.T) []byte { return readTestdata(t, "form2020.xlsx") }, "", CodeWrongYear, nil},
		{"the 2020 form beside a sheet of notes", func(t *testing.T) []byte {
			return workbookOf(t, func(x *excelize.File) {
				must(t, x.SetCellValue("考核表", "A1", "2020年度职工互助保障工作代办处考核表"))
				_, err := x.NewSheet("说明")
				must(t, err)
				must(t, x.SetCellValue("说明", "A1", "填表说明"))
			})
		}, "", CodeWrongYear, nil},
		{"other sheets empty: no note", func(t *testing.T) []byte {
			return workbookOf(t, func(x *excelize.File) {
				_, err := x.NewSheet("Sheet2")
				must(t, err)
			})
		}, "考核表", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sub, fs := Read(tc.data(t), o)
			if tc.sheet == "" {
				if sub != nil || len(fs) != 1 || fs[0].Code != tc.code {
					t.Fatalf("want only %s, got %v", tc.code, fs)
				}
				return
			}
			if sub == nil {
				t.Fatalf("no submission: %+v", fs)
			}
			if sub.Sheet != tc.sheet {
				t.Errorf("read %q, want %q", sub.Sheet, tc.sheet)
			}
			var note *Finding
			for i, f := range fs {
				switch {
				case f.Code == CodeSheetsIgnored:
					note = &fs[i]
				case f.Severity == SeverityError && f.Code != CodeMissingScore: // the fuller sheet's scores are elsewhere
					t.Errorf("finding %s %s: %s", f.Code, f.Cell, f.Message)
				}
			}
			switch {
			case len(tc.notes) == 0 && note != nil:
				t.Errorf("unexpected note: %s", note.Message)
			case len(tc.notes) > 0 && note == nil:
				t.Errorf("no sheets_ignored note")
			case note != nil:
				if note.Severity != SeverityInfo || !strings.Contains(note.Message, "「"+tc.sheet+"」") {
					t.Errorf("note %s does not name the sheet read: %s", note.Severity, note.Message)
				}
				for _, w := range tc.notes {
					if !strings.Contains(note.Message, w) {
						t.Errorf("note lacks %q: %s", w, note.Message)
					}
				}
			}
		})
	}
}
