package templates

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

func (b *blankWriter) print() {
	sh := b.l.Sheet
	size, orient := 9, "portrait" // 9: A4
	// One page wide, as tall as it takes: the scale then follows the
	// fonts of the machine that prints. The manual breaks keep each section
	// on one page, placed for the largest scale, the one with the form's
	// fonts.
	fitW, fitH := 1, 0
	fit := true
	b.check(b.x.SetPageLayout(sh, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orient, FitToWidth: &fitW, FitToHeight: &fitH,
	}))
	b.check(b.x.SetSheetProps(sh, &excelize.SheetPropsOptions{FitToPage: &fit}))
	scale := uint(printScale(b.width()))
	lr, tb, hf := marginSide, marginTopBottom, marginHeader
	center := true
	b.check(b.x.SetPageMargins(sh, &excelize.PageLayoutMarginsOptions{
		Left: &lr, Right: &lr, Top: &tb, Bottom: &tb, Header: &hf, Footer: &hf, Horizontally: &center,
	}))
	b.check(b.x.SetHeaderFooter(sh, &excelize.HeaderFooterOptions{
		OddFooter: "&C第 &P 页，共 &N 页",
	}))
	b.check(b.x.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sh, b.l.HeaderRow, b.l.HeaderRow),
		Scope:    sh,
	}))
	b.check(b.x.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Area",
		RefersTo: fmt.Sprintf("'%s'!$A$1:$%s$%d", sh, b.lastCol, b.l.LastRow),
		Scope:    sh,
	}))
	b.pageBreaks(scale)
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
