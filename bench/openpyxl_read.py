#!/usr/bin/python3
"""Peer baseline for validate.Read: open a filled 考核表 with openpyxl and read
it by labels (the 自评分/标准分 headers, each indicator's criteria text, the
field labels), timing N iterations.

Usage: /usr/bin/python3 bench/openpyxl_read.py FORM.xlsx [N]

It does what validate does up to the checks (which are negligible): open
the workbook, load every cell value into a grid, find the header row, match
each criteria cell to the rubric by folded text, and read the self-score,
cap and field values next to their labels. The rubric is read from
templates/form-2021.yaml with a tiny parser (no PyYAML needed).
"""
import os
import re
import sys
import time
import tracemalloc

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))
FORM_YAML = os.path.join(HERE, "..", "templates", "form-2021.yaml")


def fold(s):
    if s is None:
        return ""
    s = str(s)
    out = []
    for ch in s:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            ch = chr(o - 0xFEE0)
        if ch.isspace() or ch in "\u3000\u200b\ufeff":
            continue
        out.append(ch)
    return "".join(out)


def load_rubric():
    criteria, labels = {}, {}
    cur = None
    with open(FORM_YAML, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\s*- id: "([\d.]+)"', line)
            if m:
                cur = m.group(1)
                continue
            m = re.match(r"\s*criteria: (.*)", line)
            if m and cur:
                criteria[cur] = fold(m.group(1))
                continue
            m = re.match(r"\s*- \{id: (\w+), label: ([^,]+),", line)
            if m:
                labels[m.group(1)] = fold(m.group(2))
    return criteria, labels


def read_form(path, criteria, labels):
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        for ws in wb.worksheets:
            grid = [[fold(v) for v in row] for row in ws.iter_rows(values_only=True, max_row=min(ws.max_row, 1000), max_col=min(ws.max_column, 60))]
            hdr = None
            for r, row in enumerate(grid):
                if "自评分" in row and "标准分" in row:
                    hdr = (r, row.index("自评分"), row.index("标准分"))
                    break
            if hdr is None:
                continue
            _, self_c, cap_c = hdr
            by_text = {v: k for k, v in criteria.items()}
            scores = {}
            for r, row in enumerate(grid):
                for c, v in enumerate(row):
                    if len(v) >= 8 and v in by_text:
                        ws_row = [ws.cell(r + 1, k + 1).value for k in range(max(self_c, cap_c) + 1)]
                        scores[by_text[v]] = (ws_row[self_c] if self_c < len(ws_row) else None,
                                              ws_row[cap_c] if cap_c < len(ws_row) else None)
            fields = {}
            for fid, label in labels.items():
                for r, row in enumerate(grid):
                    hit = None
                    for c, v in enumerate(row):
                        if v.rstrip(":：") == label:
                            hit = c
                            break
                    if hit is not None:
                        for c in range(hit + 1, min(hit + 7, len(row))):
                            if row[c]:
                                fields[fid] = row[c]
                                break
                        break
            # Merged ranges and pictures, as validate looks at them.
            merges = list(ws.merged_cells.ranges)
            pics = len(getattr(ws, "_images", []))
            return scores, fields, merges, pics
        return None
    finally:
        wb.close()


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    criteria, labels = load_rubric()
    res = read_form(path, criteria, labels)
    if res is None or len(res[0]) != len(criteria):
        print("form not read fully:", None if res is None else len(res[0]), file=sys.stderr)
        sys.exit(1)
    cpu0, t0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        read_form(path, criteria, labels)
    wall = (time.perf_counter() - t0) / n * 1000
    cpu = (time.process_time() - cpu0) / n * 1000
    tracemalloc.start()
    read_form(path, criteria, labels)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"openpyxl {openpyxl.__version__}: {n} forms, {wall:.2f} ms/form wall, {cpu:.2f} ms/form CPU, "
          f"peak {peak / 1e6:.2f} MB traced; {len(res[0])} indicators, {len(res[1])} fields")


if __name__ == "__main__":
    main()
