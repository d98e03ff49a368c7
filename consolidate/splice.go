package consolidate

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"kaohe/internal/xlsxpart"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// bulkRows are the data rows of a table, written straight into the zip
// entry of their worksheet after excelize has written everything else.
// excelize's StreamWriter keeps up to 16 MB of every sheet in memory until
// the workbook is saved, and then the whole zip; splicing keeps one row.
type bulkRows struct {
	t      *table
	first  int // sheet row of the first data row
	n      int
	widths []float64 // column widths as set, in character units
}

// splice copies the workbook excelize wrote (src) to w, inserting the data
// rows of every bulk sheet before its </sheetData>.
func (b *builder) splice(src []byte, w io.Writer) error {
	zr, err := zip.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		return fmt.Errorf("reread workbook: %w", err)
	}
	paths, err := sheetPaths(zr)
	if err != nil {
		return err
	}
	byPath := map[string]*bulkRows{}
	for name, br := range b.bulk {
		p, ok := paths[name]
		if !ok {
			return fmt.Errorf("sheet %s not in the workbook", name)
		}
		byPath[p] = br
	}
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		// Best speed: the sheets are repetitive XML; higher levels cost
		// several times the time for a few percent.
		return flate.NewWriter(out, flate.BestSpeed)
	})
	for _, zf := range zr.File {
		br := byPath[zf.Name]
		if br == nil {
			if err := zw.Copy(zf); err != nil {
				return fmt.Errorf("copy %s: %w", zf.Name, err)
			}
			continue
		}
		if err := b.spliceSheet(zw, zf, br); err != nil {
			return fmt.Errorf("write %s: %w", br.t.name, err)
		}
	}
	return zw.Close()
}

var dimensionRef = regexp.MustCompile(`<dimension ref="[^"]*"`)

func (b *builder) spliceSheet(zw *zip.Writer, zf *zip.File, br *bulkRows) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	sheet, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return err
	}
	s := string(sheet)
	last, _ := excelize.ColumnNumberToName(len(br.t.cols))
	s = dimensionRef.ReplaceAllLiteralString(s, fmt.Sprintf(`<dimension ref="A1:%s%d"`, last, br.first+br.n-1))
	at := strings.Index(s, "</sheetData>")
	if at < 0 {
		return fmt.Errorf("no sheetData in %s", zf.Name)
	}
	out, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate, Modified: zf.Modified})
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	if _, err := bw.WriteString(s[:at]); err != nil {
		return err
	}
	rw := &rowWriter{w: bw, cols: br.t.cols, widths: br.widths, dateStyle: b.styles.date, wrapStyle: b.styles.wrap}
	for _, c := range br.t.cols {
		if c.wrap {
			// Rows grow with their wrapped text: every cell is read
			// from the top, beside the first line of its neighbours.
			rw.plainStyle = b.styles.top
		}
	}
	for i := range br.t.cols {
		name, _ := excelize.ColumnNumberToName(i + 1)
		rw.names = append(rw.names, name)
	}
	row := br.first
	br.t.rows(func(cells []any) bool {
		if row >= br.first+br.n {
			err = fmt.Errorf("rows changed between passes")
			return false
		}
		err = rw.write(row, cells)
		row++
		return err == nil
	})
	if err != nil {
		return err
	}
	if _, err := bw.WriteString(s[at:]); err != nil {
		return err
	}
	return bw.Flush()
}

// rowWriter writes rows of cells as worksheet XML. Strings become inline
// strings: whatever they hold ("=HYPERLINK(…)" included) is text, never a
// formula.
type rowWriter struct {
	w         *bufio.Writer
	cols      []column
	widths    []float64
	names     []string
	dateStyle int
	wrapStyle int
	// plainStyle is the style of a cell that has none of its own.
	plainStyle int
	buf        []byte
}

// lineHeight is the height in points of one wrapped line of 11 pt text.
// Excel gives a line of Latin text 15; a Chinese font's line is taller
// (LibreOffice, with its CJK fallback, needs about 16), and a row too short
// hides the last line of a remark on paper.
const lineHeight = 16

// rowHeight is the height in points that shows every line of the wrapped
// cells of a row; 0 leaves the default height.
func (rw *rowWriter) rowHeight(cells []any) float64 {
	lines := 1
	for i, v := range cells {
		if i >= len(rw.cols) || !rw.cols[i].wrap {
			continue
		}
		if c, ok := v.(excelize.Cell); ok {
			v = c.Value
		}
		s, ok := v.(string)
		if !ok || s == "" || i >= len(rw.widths) {
			continue
		}
		lines = max(lines, wrappedLines(s, rw.widths[i]))
	}
	if lines == 1 {
		return 0
	}
	return float64(lines*lineHeight + 2)
}

// wrappedLines estimates how many lines s takes in a column width wide:
// a wide (CJK) character is a little more than two digits wide. It fills
// lines as a spreadsheet does, a wide character or a run of narrow ones
// (a word, a number) at a time, because dividing the total width by the
// column's undercounts: the space left at the end of each line is lost,
// and a printed row cut short hides the end of a remark.
func wrappedLines(s string, width float64) int {
	avail := max(width-1, 1)
	n := 0
	for _, para := range strings.Split(s, "\n") {
		lines, used := 1, 0.0
		for _, piece := range wrapPieces(para) {
			w := textWidth(piece)
			switch {
			case used+w <= avail:
				used += w
			case w > avail: // a word longer than the line breaks anywhere
				lines += int(math.Ceil((used+w)/avail)) - 1
				used = math.Mod(used+w, avail)
			default:
				lines++
				used = w
			}
		}
		n += lines
	}
	return n
}

// wrapPieces splits a line into what wrapping keeps together: each wide
// character alone, each run of narrow characters up to and including a
// space.
func wrapPieces(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		wide := textWidth(string(r)) > 1
		switch {
		case wide:
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			out = append(out, string(r))
		case start < 0:
			start = i
		}
		if !wide && r == ' ' {
			out = append(out, s[start:i+1])
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

func (rw *rowWriter) write(row int, cells []any) error {
	b := append(rw.buf[:0], `<row r="`...)
	b = strconv.AppendInt(b, int64(row), 10)
	if ht := rw.rowHeight(cells); ht > 0 {
		b = append(b, `" ht="`...)
		b = strconv.AppendFloat(b, ht, 'f', -1, 64)
		b = append(b, `" customHeight="1`...)
	}
	b = append(b, `">`...)
	for i, v := range cells {
		if i >= len(rw.names) {
			break
		}
		style := rw.cols[i].style
		switch {
		case style != 0:
		case rw.cols[i].wrap:
			style = rw.wrapStyle
		default:
			style = rw.plainStyle
		}
		if c, ok := v.(excelize.Cell); ok {
			v = c.Value
			if c.StyleID != 0 {
				style = c.StyleID
			}
		}
		if v == nil {
			continue
		}
		var num []byte
		var text string
		isText := false
		switch x := v.(type) {
		case string:
			if x == "" {
				continue
			}
			text, isText = x, true
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				text, isText = strconv.FormatFloat(x, 'g', -1, 64), true
			} else {
				num = strconv.AppendFloat(nil, x, 'f', -1, 64)
			}
		case int:
			num = strconv.AppendInt(nil, int64(x), 10)
		case time.Time:
			if x.IsZero() {
				continue
			}
			num = strconv.AppendFloat(nil, excelTime(x), 'f', -1, 64)
			if style == 0 || style == rw.plainStyle {
				style = rw.dateStyle
			}
		default:
			text, isText = fmt.Sprint(x), true
		}
		b = append(b, `<c r="`...)
		b = append(b, rw.names[i]...)
		b = strconv.AppendInt(b, int64(row), 10)
		b = append(b, '"')
		if style != 0 {
			b = append(b, ` s="`...)
			b = strconv.AppendInt(b, int64(style), 10)
			b = append(b, '"')
		}
		if isText {
			b = append(b, ` t="inlineStr"><is><t`...)
			text = truncateCell(text)
			if text[0] == ' ' || text[len(text)-1] == ' ' || strings.ContainsAny(text[:1]+text[len(text)-1:], "\t\r\n") {
				b = append(b, ` xml:space="preserve"`...)
			}
			b = append(b, '>')
			b = appendEscaped(b, text)
			b = append(b, `</t></is></c>`...)
		} else {
			b = append(b, `><v>`...)
			b = append(b, num...)
			b = append(b, `</v></c>`...)
		}
	}
	b = append(b, `</row>`...)
	rw.buf = b
	_, err := rw.w.Write(b)
	return err
}

// truncateCell cuts text to Excel's limit of 32,767 UTF-16 units per cell.
func truncateCell(s string) string {
	const limit = 32767
	if len(s) <= limit {
		return s
	}
	n := 0
	for i, r := range s {
		n += len(utf16.AppendRune(nil, r))
		if n > limit {
			return s[:i]
		}
	}
	return s
}

// appendEscaped escapes text for XML (characters XML cannot hold become
// U+FFFD) and escapes literal _xHHHH_ sequences, which Excel would decode.
func appendEscaped(b []byte, s string) []byte {
	for i, r := range s {
		switch {
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '\r':
			b = append(b, "&#xD;"...)
		case r == '\t' || r == '\n':
			b = append(b, byte(r))
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			b = utf8.AppendRune(b, '\uFFFD')
		case r == utf8.RuneError:
			b = utf8.AppendRune(b, '\uFFFD')
		case r == '_' && isOOXMLEscape(s[i:]):
			b = append(b, "_x005F_"...)
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}

// isOOXMLEscape reports whether s starts with _xHHHH_.
func isOOXMLEscape(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// sheetPaths maps sheet names to their part names in the zip.
func sheetPaths(zr *zip.Reader) (map[string]string, error) {
	wb, err := readZipPart(zr, "xl/workbook.xml")
	if err != nil {
		return nil, err
	}
	rels, err := readZipPart(zr, "xl/_rels/workbook.xml.rels")
	if err != nil {
		return nil, err
	}
	sheets, err := xlsxpart.Sheets(wb, rels)
	if err != nil {
		return nil, fmt.Errorf("reread workbook: %w", err)
	}
	out := map[string]string{}
	for _, s := range sheets {
		out[s.Name] = s.Part
	}
	return out, nil
}

func readZipPart(zr *zip.Reader, name string) ([]byte, error) {
	rc, err := zr.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reread workbook: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("reread %s: %w", name, err)
	}
	return b, nil
}
