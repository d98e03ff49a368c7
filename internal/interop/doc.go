// Package interop proves that the workbooks kaohe writes (the blank form,
// the annotated copy of a checked form, the staff workbook) open in other
// readers than excelize: openpyxl, through check.py, and LibreOffice. The
// annotated copies are made from forms written by excelize, LibreOffice
// and openpyxl (testdata/README says how each was made). The package has
// tests only.
package interop
