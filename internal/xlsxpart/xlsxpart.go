// Package xlsxpart finds a workbook's worksheets among the parts of its
// .xlsx package, for the code that reads or rewrites the package's XML
// itself rather than through excelize: the form reader and the staff
// workbook's row splicer.
package xlsxpart

import (
	"encoding/xml"
	"path"
	"strings"
)

// Sheet is a worksheet's name and the package part that holds it.
type Sheet struct{ Name, Part string }

// Sheets reads the worksheets of a workbook, in order, from the XML of
// xl/workbook.xml and of its relationships, xl/_rels/workbook.xml.rels. A
// relative target is taken from xl/; a sheet whose relationship is
// missing has the part "". The error is that of decoding either.
func Sheets(workbook, rels []byte) ([]Sheet, error) {
	var w struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var r struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(workbook, &w); err != nil {
		return nil, err
	}
	if err := xml.Unmarshal(rels, &r); err != nil {
		return nil, err
	}
	targets := make(map[string]string, len(r.Rels))
	for _, rel := range r.Rels {
		t := rel.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		targets[rel.ID] = t
	}
	var sheets []Sheet
	for _, sh := range w.Sheets {
		sheets = append(sheets, Sheet{Name: sh.Name, Part: targets[sh.RID]})
	}
	return sheets, nil
}
