package templates

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

func (b *blankWriter) print() {
	sh := b.l.Sheet
	b.check(PrintPage(b.x, sh))
	scale := printScale(b.width())
	b.check(b.x.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sh, b.l.HeaderRow, b.l.HeaderRow),
		Scope:    sh,
	}))
	b.check(PrintArea(b.x, sh, b.lastCol, b.l.LastRow))
	b.pageBreaks(scale)
}

// PrintPage gives the sheet of a blank form its print layout: A4
// portrait, one page wide and as tall as it takes, centred, with the
// margins PageHeight counts on and the page number in the footer.
func PrintPage(x *excelize.File, sheet string) error {
	size, orient := 9, "portrait" // 9: A4
	// One page wide, as tall as it takes: the scale then follows the
	// fonts of the machine that prints. The manual breaks keep each section
	// on one page, placed for the largest scale, the one with the form's
	// fonts.
	fitW, fitH := 1, 0
	fit := true
	if err := x.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orient, FitToWidth: &fitW, FitToHeight: &fitH,
	}); err != nil {
		return err
	}
	if err := x.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	lr, tb, hf := marginSide, marginTopBottom, marginHeader
	center := true
	if err := x.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: &lr, Right: &lr, Top: &tb, Bottom: &tb, Header: &hf, Footer: &hf, Horizontally: &center,
	}); err != nil {
		return err
	}
	return x.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{
		OddFooter: "&C第 &P 页，共 &N 页",
	})
}

// PrintArea prints the sheet from A1 to column lastCol of row lastRow.
func PrintArea(x *excelize.File, sheet, lastCol string, lastRow int) error {
	return x.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Area",
		RefersTo: fmt.Sprintf("'%s'!$A$1:$%s$%d", sheet, lastCol, lastRow),
		Scope:    sheet,
	})
}

// protect locks the sheet without a password: agencies can only type into
// the input cells, yet anyone who must can lift the protection.
func (b *blankWriter) protect() {
	b.check(b.x.ProtectSheet(b.l.Sheet, &excelize.SheetProtectionOptions{
		SelectLockedCells:   true,
		SelectUnlockedCells: true,
		FormatColumns:       true,
		FormatRows:          true,
		EditObjects:         true, // seals and signatures may be pasted as pictures
	}))
}
