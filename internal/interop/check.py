#!/usr/bin/env python3
"""Open workbooks kaohe wrote with openpyxl and check what they promise.

Usage: check.py SPEC.json

SPEC is a list of objects, one per workbook:
  path         the .xlsx file
  sheets       the exact sheet names, in order (optional)
  sheet        the sheet the checks below are about
  values       {cell: text}  the cell's value, as text ("" for empty)
  fills        {cell: RRGGBB} the cell's solid fill ("" for none)
  font_colors  {cell: RRGGBB} a bold font of this colour
  comments     {cell: [text, ...]} the cell's comment contains each text
  comment_author  the author every comment must have (optional)
  print_area   "A1:F63": the sheet's print area, without sheet name and $
  row_breaks   [row, ...]: the rows that begin a printed page by a manual break
  no_formulas  true: no cell of any sheet holds a formula

openpyxl refuses a workbook with a malformed colour ("Colors must be aRGB
hex values") while loading it; every cell's style is also read, so that a
style openpyxl would choke on later fails here. Prints one line per
problem and exits 1 when there is any.
"""

import json
import sys
import warnings

import openpyxl


def rgb(color):
    """The six RGB digits of an openpyxl Color, or "" for none."""
    if color is None or color.type != "rgb" or not isinstance(color.rgb, str):
        return ""
    return color.rgb.upper()[-6:]


def text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check(spec):
    problems = []
    path = spec["path"]

    def fail(msg):
        problems.append("%s: %s" % (path, msg))

    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation extensions it drops;
            # that is no error of the file.
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path)
    except Exception as e:  # noqa: BLE001 - any failure to open is the finding
        fail("openpyxl cannot open it: %s: %s" % (type(e).__name__, e))
        return problems
    if "sheets" in spec and wb.sheetnames != spec["sheets"]:
        fail("sheets %r, want %r" % (wb.sheetnames, spec["sheets"]))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                # Touch every style: a bad colour or font fails here.
                sides = (c.border.left, c.border.right, c.border.top, c.border.bottom)
                _ = [c.fill.fgColor.rgb, c.font.color, c.number_format] + [s.color for s in sides if s is not None]
                if spec.get("no_formulas") and c.data_type == "f":
                    fail("%s!%s holds formula %r" % (ws.title, c.coordinate, c.value))
    sheet = spec.get("sheet")
    if not sheet:
        return problems
    if sheet not in wb.sheetnames:
        fail("no sheet %r" % sheet)
        return problems
    ws = wb[sheet]
    for cell, want in spec.get("values", {}).items():
        got = text(ws[cell].value)
        if got != want:
            fail("%s = %r, want %r" % (cell, got, want))
    for cell, want in spec.get("fills", {}).items():
        f = ws[cell].fill
        got = rgb(f.fgColor) if f is not None and f.fill_type == "solid" else ""
        if got != want.upper():
            fail("fill of %s = %r, want %r" % (cell, got, want))
    for cell, want in spec.get("font_colors", {}).items():
        font = ws[cell].font
        got = rgb(font.color)
        if not font.b or got != want.upper():
            fail("font of %s: bold %s, colour %r, want bold %r" % (cell, font.b, got, want))
    author = spec.get("comment_author")
    for cell, wants in spec.get("comments", {}).items():
        c = ws[cell].comment
        if c is None:
            fail("no comment on %s" % cell)
            continue
        if author and c.author != author:
            fail("comment on %s by %r, want %r" % (cell, c.author, author))
        for w in wants:
            if w not in c.text:
                fail("comment on %s = %r, want it to contain %r" % (cell, c.text, w))
    if "print_area" in spec:
        area = ws.print_area or ""
        if isinstance(area, list):  # some openpyxl versions give one entry per range
            area = ",".join(area)
        got = area.split("!")[-1].replace("$", "")
        if got != spec["print_area"]:
            fail("print area %r, want %r" % (got, spec["print_area"]))
    if "row_breaks" in spec:
        got = sorted(b.id + 1 for b in ws.row_breaks.brk)
        if got != sorted(spec["row_breaks"]):
            fail("pages begin at rows %r, want %r" % (got, spec["row_breaks"]))
    return problems


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        specs = json.load(f)
    problems = []
    for spec in specs:
        problems += check(spec)
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print("openpyxl %s opened %d workbooks" % (openpyxl.__version__, len(specs)))


if __name__ == "__main__":
    main()
