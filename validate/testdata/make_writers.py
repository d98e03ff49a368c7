"""Writes the openpyxl-made files of validate/testdata from official.xlsx.

Run from the repository root with Debian's python3-openpyxl (3.0.9):

    /usr/bin/python3 validate/testdata/make_writers.py

The LibreOffice files are then converted from some of them, see README.
"""
import datetime
import os
import random

import openpyxl

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.join(here, "official.xlsx")


def load():
    return openpyxl.load_workbook(src)


def save(wb, name):
    wb.save(os.path.join(here, name))


# openpyxl.xlsx: the official form as openpyxl writes it back.
save(load(), "openpyxl.xlsx")

# sheets_2020_first.xlsx: a filled 2020 form, hidden, before the filled
# 2021 form, and a visible blank 2021 copy after it.
wb = load()
form = wb["考核表"]
form.title = "2021年考核表"
old = wb.copy_worksheet(form)
old.title = "2020年考核表"
old["A1"] = "2020年度职工互助保障工作代办处考核表"
old.sheet_state = "hidden"
wb.move_sheet(old, offset=-1)
blank = wb.copy_worksheet(form)
blank.title = "空白表"
for row in blank.iter_rows(min_row=18, max_row=47, min_col=5, max_col=5):
    for c in row:
        c.value = None
save(wb, "sheets_2020_first.xlsx")

# ledger_openpyxl.xlsx: the form beside a 3,000-row 台账 (about 1.3 MB of
# sheet XML once unpacked), for the tests that a large sheet is not read.
wb = load()
ledger = wb.create_sheet("台账", 0)
ledger.append(["序号", "姓名", "单位", "身份证号", "参保类型", "金额", "日期", "备注"])
rnd = random.Random(7)
for i in range(1, 3001):
    ledger.append([i, "职工%05d" % i, "第%d基层工会" % (i % 97), "1101%014d" % rnd.randrange(10**14),
                   rnd.choice(["住院", "津贴", "女工", "重疾", "团意", "综合"]), rnd.randrange(10, 500) * 10,
                   datetime.date(2021, 1 + i % 12, 1 + i % 28), ""])
save(wb, "ledger_openpyxl.xlsx")

# placeholders_openpyxl.xlsx: the blank's placeholders left in the three
# signature cells.
wb = load()
ws = wb["考核表"]
ws["B50"] = "（盖章）"
ws["B51"] = "签字："
ws["B52"] = "________"
save(wb, "placeholders_openpyxl.xlsx")

# chinese_date.xlsx (then saved by LibreOffice as chinese_date_lo.xlsx):
# the date written in Chinese numerals.
wb = load()
wb["考核表"]["D2"] = "二〇二一年十二月二十八日"
save(wb, "chinese_date.xlsx")

# late_date_openpyxl.xlsx: a form dated after the cut-off.
wb = load()
wb["考核表"]["D2"] = "2022年1月10日"
save(wb, "late_date_openpyxl.xlsx")
