// Package xlsxpeek looks into an .xlsx package without opening it as a
// workbook: its sheet names, the text of the first rows of a sheet, its
// custom document properties. The daemon reads untrusted workbooks only in
// sandboxed workers; recognising a staff workbook and reading its token
// must happen in the daemon, so they use archive/zip and encoding/xml
// alone, every part read through a size cap, and nothing is evaluated.
package xlsxpeek

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"kaohe/internal/xlsxpart"
)

// MaxPart bounds the uncompressed bytes read of any one part.
const MaxPart = 16 << 20

// ErrTooLarge is returned for a part above MaxPart.
var ErrTooLarge = errors.New("xlsx part too large")

// Package is an opened .xlsx package.
type Package struct {
	parts  map[string]*zip.File
	sheets []xlsxpart.Sheet
	sst    []string // shared strings, read on first need
	sstErr error
	sstOK  bool
}

// Open reads the package's directory and its list of sheets.
func Open(data []byte) (*Package, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("open xlsx: %w", err)
	}
	p := &Package{parts: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		p.parts[strings.TrimPrefix(f.Name, "/")] = f
	}
	wb, err := p.read("xl/workbook.xml")
	if err != nil {
		return nil, err
	}
	rels, err := p.read("xl/_rels/workbook.xml.rels")
	if err != nil {
		return nil, err
	}
	if p.sheets, err = xlsxpart.Sheets(wb, rels); err != nil {
		return nil, fmt.Errorf("read sheets: %w", err)
	}
	return p, nil
}

// read returns a part's bytes; a missing part is an error.
func (p *Package) read(name string) ([]byte, error) {
	f, ok := p.parts[name]
	if !ok {
		return nil, fmt.Errorf("xlsx: no part %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("xlsx %s: %w", name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxPart+1))
	if err != nil {
		return nil, fmt.Errorf("xlsx %s: %w", name, err)
	}
	if len(b) > MaxPart {
		return nil, fmt.Errorf("xlsx %s: %w", name, ErrTooLarge)
	}
	return b, nil
}

// Sheets returns the names of the sheets, in the workbook's order.
func (p *Package) Sheets() []string {
	out := make([]string, len(p.sheets))
	for i, s := range p.sheets {
		out[i] = s.Name
	}
	return out
}

// HasSheet reports whether the workbook has a sheet of that name.
func (p *Package) HasSheet(name string) bool {
	for _, s := range p.sheets {
		if s.Name == name {
			return true
		}
	}
	return false
}

// Rows returns the text of the cells of the first maxRows rows of sheet
// (1-based row numbers as in the file), each row from column A with ""
// where a cell is blank. Numbers are their stored text; formulas their
// cached value. A sheet that does not exist is an error.
func (p *Package) Rows(sheet string, maxRows int) ([][]string, error) {
	part := ""
	for _, s := range p.sheets {
		if s.Name == sheet {
			part = s.Part
		}
	}
	if part == "" {
		return nil, fmt.Errorf("xlsx: no sheet %q", sheet)
	}
	zf, ok := p.parts[part]
	if !ok {
		return nil, fmt.Errorf("xlsx: no part %s", part)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("xlsx %s: %w", part, err)
	}
	defer rc.Close()
	// Streamed: recognising a workbook reads its first rows, not the
	// whole sheet.
	d := xml.NewDecoder(io.LimitReader(rc, MaxPart))
	var rows [][]string
	var cell struct {
		col       int
		typ       string
		v, inline strings.Builder
		in        string // element whose text is being read: "v" or "t"
		inIs      bool
	}
	row := -1
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("xlsx %s: %w", part, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				row++
				cell.col = -1
				if r := attr(t, "r"); r != "" {
					if n, err := strconv.Atoi(r); err == nil && n >= 1 {
						row = n - 1
					}
				}
				if row >= maxRows {
					return rows, nil
				}
			case "c":
				// A cell without a reference follows the one before it.
				cell.col, cell.typ, cell.in, cell.inIs = cell.col+1, attr(t, "t"), "", false
				cell.v.Reset()
				cell.inline.Reset()
				if ref := attr(t, "r"); ref != "" {
					c, r, err := excelize.CellNameToCoordinates(ref)
					if err != nil {
						c, r = 16385, row+1 // unreadable: skipped
					}
					cell.col, row = c-1, r-1
				}
			case "v":
				cell.in = "v"
			case "is":
				cell.inIs = true
			case "t":
				if cell.inIs {
					cell.in = "t"
				}
			}
		case xml.CharData:
			switch cell.in {
			case "v":
				cell.v.Write(t)
			case "t":
				cell.inline.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				cell.in = ""
			case "c":
				if row < 0 || row >= maxRows || cell.col < 0 || cell.col > 16383 {
					continue
				}
				text, err := p.cellText(cell.typ, cell.v.String(), cell.inline.String())
				if err != nil {
					return nil, err
				}
				for len(rows) <= row {
					rows = append(rows, nil)
				}
				for len(rows[row]) <= cell.col {
					rows[row] = append(rows[row], "")
				}
				rows[row][cell.col] = text
			}
		}
	}
}

func (p *Package) cellText(typ, v, inline string) (string, error) {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return "", nil
		}
		sst, err := p.sharedStrings()
		if err != nil {
			return "", err
		}
		if i < 0 || i >= len(sst) {
			return "", nil
		}
		return sst[i], nil
	case "inlineStr":
		return inline, nil
	}
	return v, nil
}

// sharedStrings reads xl/sharedStrings.xml once: each item's text, rich
// runs joined, phonetic runs left out.
func (p *Package) sharedStrings() ([]string, error) {
	if p.sstOK {
		return p.sst, p.sstErr
	}
	p.sstOK = true
	name := "xl/sharedStrings.xml"
	if _, ok := p.parts[name]; !ok {
		return nil, nil
	}
	x, err := p.read(name)
	if err != nil {
		p.sstErr = err
		return nil, err
	}
	d := xml.NewDecoder(bytes.NewReader(x))
	var cur strings.Builder
	inT, inRPh := false, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return p.sst, nil
		}
		if err != nil {
			p.sstErr = fmt.Errorf("xlsx %s: %w", name, err)
			return nil, p.sstErr
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				cur.Reset()
			case "t":
				inT = true
			case "rPh":
				inRPh = true
			}
		case xml.CharData:
			if inT && !inRPh {
				cur.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				p.sst = append(p.sst, cur.String())
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			}
		}
	}
}

// CustomProps returns the custom document properties that hold text
// (vt:lpwstr or vt:bstr), by name. A package without them gives an empty
// map.
func (p *Package) CustomProps() (map[string]string, error) {
	out := map[string]string{}
	if _, ok := p.parts["docProps/custom.xml"]; !ok {
		return out, nil
	}
	x, err := p.read("docProps/custom.xml")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Props []struct {
			Name   string  `xml:"name,attr"`
			Lpwstr *string `xml:"lpwstr"`
			Bstr   *string `xml:"bstr"`
		} `xml:"property"`
	}
	if err := xml.Unmarshal(x, &doc); err != nil {
		return nil, fmt.Errorf("xlsx custom properties: %w", err)
	}
	for _, pr := range doc.Props {
		switch {
		case pr.Lpwstr != nil:
			out[pr.Name] = *pr.Lpwstr
		case pr.Bstr != nil:
			out[pr.Name] = *pr.Bstr
		}
	}
	return out, nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
