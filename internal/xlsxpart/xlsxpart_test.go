package xlsxpart

import (
	"slices"
	"testing"
)

const workbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="说明" sheetId="1" r:id="rId2"/><sheet name="考核表" sheetId="2" r:id="rId1"/><sheet name="孤表" sheetId="3" r:id="rId9"/></sheets>
</workbook>`

const rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>
</Relationships>`

func TestSheets(t *testing.T) {
	got, err := Sheets([]byte(workbook), []byte(rels))
	if err != nil {
		t.Fatal(err)
	}
	// In the workbook's order; relative and absolute targets alike; a
	// sheet without a relationship has no part.
	want := []Sheet{{"说明", "xl/worksheets/sheet2.xml"}, {"考核表", "xl/worksheets/sheet1.xml"}, {"孤表", ""}}
	if !slices.Equal(got, want) {
		t.Errorf("Sheets = %q, want %q", got, want)
	}
}

func TestSheetsBroken(t *testing.T) {
	for name, in := range map[string][2]string{
		"workbook": {"<workbook><sheets>", rels},
		"rels":     {workbook, "<Relationships"},
	} {
		if _, err := Sheets([]byte(in[0]), []byte(in[1])); err == nil {
			t.Errorf("%s cut short: no error", name)
		}
	}
}
