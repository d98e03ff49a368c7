package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Bounds on what a roster may be: a few hundred agencies are expected.
const (
	maxFileSize = 32 << 20
	maxRows     = 20000
	maxColumns  = 200
	headerScan  = 30 // rows searched for the header
)

// Load reads the roster file at path; see Parse.
func Load(path string) (*Roster, []Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open roster: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read roster: %w", err)
	}
	return Parse(filepath.Base(path), data)
}

// Parse reads a roster from its bytes; name (the file name) tells CSV from
// xlsx, and the content is sniffed when the name does not. CSV may be UTF-8
// (with or without BOM), UTF-16 with BOM, or GB18030/GBK, separated by
// commas, tabs or semicolons. In a workbook, the first sheet with a header
// row is read. The header row is found by its labels: 考核单位 (required),
// 类型, 邮箱, and optionally 联系人 and 电话.
//
// Rows that cannot be taken as written are returned as problems and the
// rest still loads; the error is for a file that cannot be read at all or
// has no header row.
func Parse(name string, data []byte) (*Roster, []Problem, error) {
	if len(data) > maxFileSize {
		return nil, nil, fmt.Errorf("名单文件超过 %d MB，不像是代办处名单", maxFileSize>>20)
	}
	ext := strings.ToLower(filepath.Ext(name))
	isZip := bytes.HasPrefix(data, []byte("PK\x03\x04"))
	isOLE := bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0})
	var (
		sheets   [][][]cell
		problems []Problem
		err      error
	)
	switch {
	case isOLE || ext == ".xls" || ext == ".et":
		return nil, nil, errors.New("名单是旧版 Excel（.xls/.et）格式，请在 Excel 或 WPS 中“另存为” .xlsx 或 CSV 后再用")
	case isZip || ext == ".xlsx" || ext == ".xlsm":
		sheets, err = readXLSX(data)
	default:
		sheets, problems, err = readCSV(data)
	}
	if err != nil {
		return nil, nil, err
	}
	for _, rows := range sheets {
		if h, ok := findHeader(rows); ok {
			r, more := build(rows, h)
			return r, append(problems, more...), nil
		}
	}
	return nil, nil, errors.New("名单中找不到表头：需要有一行写着“考核单位”“类型”“邮箱”（可另有“联系人”“电话”）")
}

// cell is a value and the 1-based row it was read from.
type cell struct {
	row  int
	text string
}

func readXLSX(data []byte) ([][][]cell, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    64 << 20,
		UnzipXMLSizeLimit: 16 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("名单不是可读的 xlsx 工作簿：%w", err)
	}
	defer f.Close()
	var sheets [][][]cell
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			return nil, fmt.Errorf("名单工作表“%s”无法读取：%w", sheet, err)
		}
		var out [][]cell
		n := 0
		for rows.Next() && n < maxRows {
			n++
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("名单工作表“%s”第 %d 行无法读取：%w", sheet, n, err)
			}
			out = append(out, toCells(n, cols))
		}
		rows.Close()
		sheets = append(sheets, out)
	}
	return sheets, nil
}

func toCells(row int, cols []string) []cell {
	if len(cols) > maxColumns {
		cols = cols[:maxColumns]
	}
	out := make([]cell, len(cols))
	for i, c := range cols {
		out[i] = cell{row: row, text: c}
	}
	return out
}

// decodeText returns the CSV's text as UTF-8.
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		out, _, err := transform.Bytes(dec, data)
		if err != nil {
			return "", fmt.Errorf("名单不是可读的 UTF-16 文本：%w", err)
		}
		return string(out), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	// Excel on Chinese Windows saves CSV in the ANSI code page, GBK;
	// GB18030 is its superset.
	out, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), data)
	if err != nil {
		return "", fmt.Errorf("名单既不是 UTF-8 也不是 GBK 编码的文本：%w", err)
	}
	return string(out), nil
}

func readCSV(data []byte) ([][][]cell, []Problem, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, nil, err
	}
	if strings.ContainsRune(text, 0) {
		return nil, nil, errors.New("名单不是文本文件，请用 CSV 或 xlsx")
	}
	// Try each separator; the one that yields a header row wins.
	for _, sep := range []rune{',', '\t', ';'} {
		rows, problems := parseCSV(text, sep)
		if _, ok := findHeader(rows); ok {
			return [][][]cell{rows}, problems, nil
		}
	}
	return nil, nil, nil
}

// parseCSV reads every record it can; a malformed record is skipped and
// reported.
func parseCSV(text string, sep rune) ([][]cell, []Problem) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var rows [][]cell
	var problems []Problem
	for range maxRows {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				problems = append(problems, Problem{Row: pe.StartLine, Message: "这一行不是有效的 CSV（引号不配对？），已跳过"})
				continue
			}
			break
		}
		line, _ := r.FieldPos(0)
		rows = append(rows, toCells(line, rec))
	}
	return rows, problems
}
