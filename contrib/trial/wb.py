#!/usr/bin/python3
"""Workbook edits of scenario 7, as a clerk makes them in a spreadsheet,
with openpyxl (what is written is printed, one line).

wb.py review IN OUT     审核分 on the first two rows of the first department
                        sheet, 一票否决 on the 3rd agency, 纸质版收到 on 10
wb.py strip IN OUT      the same workbook without kaohe's token (a forgery)
wb.py results IN OUT    the 主任办公会: one grade changed, one quota moved
wb.py regrade IN OUT    a later change of one agency's grade (for 更正)
wb.py recommend IN OUT SEED  the 推荐表 a notice attached: unit and persons filled
wb.py decide IN OUT     推荐名单: 确定 for every row (不确定 beyond the quota)"""
import datetime, sys
import openpyxl

TODAY = datetime.datetime.combine(datetime.date.today(), datetime.time())


def header(ws, *want):
    for r in ws.iter_rows(min_row=1, max_row=8):
        vals = [str(c.value or '').strip() for c in r]
        if all(w in vals for w in want):
            return r[0].row, {v: i + 1 for i, v in reversed(list(enumerate(vals))) if v}
    raise SystemExit('%s: no header with %s' % (ws.title, want))


def rows(ws, hrow, col, key):
    for r in range(hrow + 1, ws.max_row + 1):
        v = ws.cell(r, col[key]).value
        if v not in (None, '') and str(v) != '合计':
            yield r


def review(wb):
    done = []
    for ws in wb.worksheets:
        if ws.title == '汇总' or ws.sheet_state != 'visible':
            continue
        try:
            h, col = header(ws, '考核单位', '指标', '审核分')
        except SystemExit:
            continue
        score = next((k for k in col if k.startswith('核定')), None)
        for r in list(rows(ws, h, col, '考核单位'))[:2]:
            v = ws.cell(r, col[score]).value if score else 1
            ws.cell(r, col['审核分']).value = max(0, float(v or 0) - 1)
            if '审核意见' in col:
                ws.cell(r, col['审核意见']).value = '台账不全，扣1分'
            done.append('%s %s %s' % (ws.title, ws.cell(r, col['考核单位']).value, ws.cell(r, col['指标']).value))
        break
    ws = wb['汇总']
    h, col = header(ws, '考核单位', '一票否决', '纸质版收到')
    agencies = list(rows(ws, h, col, '考核单位'))
    ws.cell(agencies[2], col['一票否决']).value = '是'
    if '备注' in col:
        ws.cell(agencies[2], col['备注']).value = '发生重大违规事件'
    for r in agencies[:10]:
        ws.cell(r, col['纸质版收到']).value = TODAY
    print('审核分 2 处（%s），一票否决 %s，纸质版收到 10 家' % ('；'.join(done), ws.cell(agencies[2], col['考核单位']).value))


def strip(wb):
    for ws in list(wb.worksheets):
        if ws.sheet_state == 'veryHidden':
            wb.remove(ws)
    if hasattr(wb, "custom_doc_props"):
        wb.custom_doc_props.props.clear()
    print('token removed')


def results(wb, regrade=False):
    ws = wb['考核结果']
    h, col = header(ws, '考核单位', '等级', '优秀个人名额')
    rs = [r for r in rows(ws, h, col, '考核单位') if ws.cell(r, col['等级']).value not in (None, '')]
    q = lambda r: int(ws.cell(r, col['优秀个人名额']).value or 0)
    g = lambda r: ws.cell(r, col['等级']).value
    a = lambda r: ws.cell(r, col['考核单位']).value
    if regrade:
        r = next(r for r in rs if g(r) in ('合格', '良好'))
        old = g(r)
        ws.cell(r, col['等级']).value = '良好' if old == '合格' else '合格'
        print('%s 等级 %s→%s' % (a(r), old, ws.cell(r, col['等级']).value))
        return
    passing = [r for r in rs if g(r) != '不合格']
    most = max(passing, key=q)
    fewest = min((r for r in passing if r != most), key=q)
    ws.cell(most, col['优秀个人名额']).value = q(most) - 1
    ws.cell(fewest, col['优秀个人名额']).value = q(fewest) + 1
    r = next((r for r in passing if r not in (most, fewest) and g(r) in ('合格', '良好')), None)
    change = ''
    if r:
        old = g(r)
        ws.cell(r, col['等级']).value = '良好' if old == '合格' else '合格'
        change = '；%s 等级 %s→%s' % (a(r), old, ws.cell(r, col['等级']).value)
    print('%s 名额 %d→%d，%s %d→%d%s' % (a(most), q(most) + 1, q(most), a(fewest), q(fewest) - 1, q(fewest), change))


def recommend(wb):
    ws = wb.worksheets[0]
    h, col = header(ws, '姓名', '出生年月')
    filled = 0
    for r in range(h + 1, ws.max_row + 1):
        num = ws.cell(r, 1).value
        if num in (None, '') or not str(num).strip().isdigit():
            break
        vals = {'姓名': '赵钱孙李周吴郑王'[SEED % 8] + '一二三四五六'[filled], '性别': '女',
                '出生年月': '19%d-0%d' % (70 + SEED, filled + 1), '职务': '科员', '从事互助保障工作年限': 5 + filled,
                '主要事迹': '长期从事职工互助保障工作，服务细致，受到会员好评。'}
        for k, v in vals.items():
            c = next(c for n, c in col.items() if n.startswith(k))
            ws.cell(r, c).value = v
        filled += 1
    # each label's value is in the cell right of the label's merged range
    answers = {'是否推荐本单位': '是', '单位主要事迹': '全年业务拓展和服务会员工作成绩突出。',
               '公示开始日期': TODAY - datetime.timedelta(days=21), '公示结束日期': TODAY - datetime.timedelta(days=7),
               '公示范围': '本单位全体职工', '公示结果': '无异议', '异议及处理情况': '无',
               '单位负责人签字': '刘强', '单位盖章': '已盖章', '填报人': '张红', '联系电话': '010-65123456',
               '填报日期': TODAY}
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        for c in row:
            label = next((k for k in answers if str(c.value or '').startswith(k)), None)
            if not label:
                continue
            last = c.column
            for m in ws.merged_cells.ranges:
                if c.coordinate in m:
                    last = m.max_col
            ws.cell(c.row, last + 1).value = answers[label]
    print('persons', filled)


def decide(wb):
    ws = wb['推荐名单']
    h, col = header(ws, '代办处', '推荐项目', '名额', '主任办公会决定')
    used, n = {}, {'确定': 0, '不确定': 0}
    for r in rows(ws, h, col, '代办处'):
        a = ws.cell(r, col['代办处']).value
        d = '确定'
        if ws.cell(r, col['推荐项目']).value == '优秀个人':
            used[a] = used.get(a, 0) + 1
            if used[a] > int(ws.cell(r, col['名额']).value or 0):
                d = '不确定'
                ws.cell(r, col['备注（告知代办处）']).value = '超出本单位优秀个人名额'
        ws.cell(r, col['主任办公会决定']).value = d
        n[d] += 1
    print('确定 %d 项，不确定 %d 项' % (n['确定'], n['不确定']))


if __name__ == '__main__':
    cmd, src, dst = sys.argv[1:4]
    SEED = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    wb = openpyxl.load_workbook(src)
    {'review': review, 'strip': strip, 'results': results, 'regrade': lambda w: results(w, True),
     'recommend': recommend, 'decide': decide}[cmd](wb)
    wb.save(dst)
