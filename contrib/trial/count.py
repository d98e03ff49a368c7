#!/usr/bin/env python3
"""Counts the mail kaohe sent, as delivered by the Postfix sink.

Usage: count.py SINKDIR [--since EPOCH] [--irt MSGID-PREFIX] [--bodies] [--kinds]
Prints the number of mails, how many distinct (recipient, In-Reply-To) pairs,
the histogram of copies per pair, and the staff mails by subject. --kinds prints instead, per kind of mail (by its
subject), how many recipients got it how many times, and the duplicate
Message-IDs."""
import collections, email, email.header, email.policy, os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)

sink = sys.argv[1]
irt_prefix = sys.argv[sys.argv.index('--irt') + 1] if '--irt' in sys.argv else ''
since = float(sys.argv[sys.argv.index('--since') + 1]) if '--since' in sys.argv else 0
# Kinds of mail by a word of their subject, the more specific first.
KINDS = ['推荐表 回执', '确定名单反馈', '更正', '考核结果通知', '来源未能核实', '导入完成', '导入未完成', '收取情况提示', '汇总', '回执', '来件', '提醒']
pairs = collections.Counter()
staff = collections.Counter()
times = {}
bodies = []
for sub in ('new', 'cur'):
    d = os.path.join(sink, sub)
    if not os.path.isdir(d):
        continue
    for f in os.listdir(d):
        p = os.path.join(d, f)
        if os.path.getmtime(p) < since:
            continue
        with open(p, 'rb') as fh:
            m = email.message_from_binary_file(fh, policy=email.policy.default)
        to = str(m.get('Delivered-To') or m.get('To'))
        irt = str(m.get('In-Reply-To') or '')
        subj = str(m.get('Subject') or '')
        if irt and irt_prefix and not irt.startswith('<' + irt_prefix):
            continue
        if irt:
            key = (to, irt)
            pairs[key] += 1
            times.setdefault(key, []).append(os.path.getmtime(p))
        else:
            staff[(to, subj[:60])] += 1
            if '--bodies' in sys.argv:
                b = m.get_body(('plain',))
                lines = [l.strip() for l in (b.get_content() if b else '').splitlines() if l.strip().startswith('·')]
                bodies.append((subj, lines))
if '--kinds' in sys.argv:
    kinds = collections.Counter()
    ids = collections.Counter()
    for sub in ('new', 'cur'):
        d = os.path.join(sink, sub)
        for f in os.listdir(d) if os.path.isdir(d) else []:
            p = os.path.join(d, f)
            if os.path.getmtime(p) < since:
                continue
            with open(p, 'rb') as fh:
                m = email.message_from_binary_file(fh, policy=email.policy.default)
            subj = str(m.get('Subject') or '')
            kind = next((k for k in KINDS if k in subj), subj[:12])
            kinds[(kind, str(m.get('Delivered-To') or m.get('To')))] += 1
            ids[(str(m.get('Delivered-To')), str(m.get('Message-ID')))] += 1
    per = collections.defaultdict(collections.Counter)
    for (kind, to), n in kinds.items():
        per[kind][n] += 1
    for kind in sorted(per):
        print('  %-10s recipients %3d  copies-histogram %s' % (kind, sum(per[kind].values()), dict(sorted(per[kind].items()))))
    print('  same Message-ID delivered twice to one recipient:', sum(1 for n in ids.values() if n > 1))
    sys.exit(0)
hist = collections.Counter(pairs.values())
print('replies', sum(pairs.values()), 'distinct', len(pairs), 'copies-histogram', dict(sorted(hist.items())))
for k, v in pairs.items():
    if v > 1:
        print('  dup', v, k)
print('other mail (no In-Reply-To):', sum(staff.values()))
for k, v in sorted(staff.items()):
    print('  ', v, k)
if '--times' in sys.argv and times:
    last = max(max(t) for t in times.values())
    print('last reply at', last)
for subj, lines in bodies:
    print('  ==', subj)
    for l in lines:
        print('    ', l[:300])
