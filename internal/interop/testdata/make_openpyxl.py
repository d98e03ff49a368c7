#!/usr/bin/env python3
"""Write openpyxl.xlsx: the filled form of excelize.xlsx as an agency's own
openpyxl script would lay it out.

Usage: make_openpyxl.py excelize.xlsx openpyxl.xlsx

The workbook is new, written by openpyxl: the values (cached results, not
formulas) of excelize.xlsx moved three rows down under a block of the
agency's own, a 说明 column right of 自评分, the sheet named 考核自评, and
openpyxl's 8-digit ARGB colours (alpha 00) on fills, fonts and borders.
"""

import sys

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

DOWN = 3


def main(src, dst):
    old = openpyxl.load_workbook(src, data_only=True)["考核表"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "考核自评"
    ws["A1"] = "（朝阳区代办处 内部留存）"
    ws["A2"] = "经办：办公室"
    black = Side(style="thin", color="00000000")
    box = Border(left=black, right=black, top=black, bottom=black)
    font = Font(name="宋体", size=11, color="00000000")
    fill = PatternFill(fill_type="solid", fgColor="00FFF2CC", bgColor="00FFF2CC")
    head = None
    for row in old.iter_rows():
        for c in row:
            if c.value is None:
                continue
            n = ws.cell(row=c.row + DOWN, column=c.column, value=c.value)
            n.font = font
            n.alignment = Alignment(wrap_text=True, vertical="center")
            if c.row > 2:
                n.border = box
            if c.column == 5 and c.row > 2:
                n.fill = fill
            if c.value == "自评分":
                head = c.row + DOWN
            if c.is_date:
                n.number_format = "yyyy年m月d日"
    for m in old.merged_cells.ranges:
        ws.merge_cells(
            start_row=m.min_row + DOWN, start_column=m.min_col,
            end_row=m.max_row + DOWN, end_column=m.max_col)
    ws.cell(row=head, column=6, value="说明").font = Font(bold=True, color="00000000")
    ws.cell(row=head + 2, column=6, value="年内参加培训两次")
    for col, width in zip("ABCDEF", (14, 62, 13, 8, 10, 16)):
        ws.column_dimensions[col].width = width
    wb.save(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
