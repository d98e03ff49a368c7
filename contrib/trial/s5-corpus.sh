#!/bin/sh
# Scenario 5: the malformed corpus (contrib/trial corpus.go, ~40 mails) and
# 5 good forms appended to the kaohe5 mailbox; one kaohe serve --once.
set -u
export IMAP_USER=kaohe5
. "$(dirname "$0")/lib.sh"
S=$T/s5
rm -rf $S; mkdir -p $S
reset_mailbox
$TRIAL corpus -id s5 -o $S/corpus >/dev/null
$HERE/config.sh $S/data 8035 > $S/kaohe.toml
$TRIAL append -user kaohe5 $S/corpus
since=$(now)
$KAOHE serve --once --config $S/kaohe.toml > $S/once.out 2> $S/once.err
rc=$?
echo "serve --once exit $rc after $(echo "$(now) - $since" | bc) s; inbox $(inbox_count) processed $(processed_count)"
sleep 3
sqlite3 $S/data/kaohe.db "select outcome, count(*) from messages group by outcome"
echo "answerable per index.tsv: $(awk -F'\t' '$2=="true"' $S/corpus/index.tsv | wc -l) of $(wc -l < $S/corpus/index.tsv)"
python3 $HERE/count.py $T/sink --since $since --irt s5 | head -3
echo "answerable but not answered:"
python3 - $S $T/sink $since <<'PY'
import email, email.policy, os, sys, sqlite3
S, sink, since = sys.argv[1], sys.argv[2], float(sys.argv[3])
answered = set()
for sub in ('new', 'cur'):
    for f in os.listdir(os.path.join(sink, sub)):
        p = os.path.join(sink, sub, f)
        if os.path.getmtime(p) < since: continue
        m = email.message_from_binary_file(open(p, 'rb'), policy=email.policy.default)
        answered.add(str(m.get('In-Reply-To') or '').strip('<>'))
db = sqlite3.connect(os.path.join(S, 'data/kaohe.db'))
for line in open(os.path.join(S, 'corpus/index.tsv')):
    f, ans, frm, name = line.rstrip('\n').split('\t')
    n = int(f[1:3])
    mid = 's5.%02d@mail.example.org' % n if f[0] == 'c' else 's5.good%02d@mail.example.org' % n
    row = db.execute('select outcome, sender, last_error from messages where message_id=?', (mid,)).fetchone()
    got = mid in answered
    if row is None and f == 'c34.eml':
        # no Message-ID: its reply has no In-Reply-To; look it up by sender
        row = db.execute("select outcome, sender, last_error from messages where message_id='' and sender=?", (frm,)).fetchone()
        got = db.execute("select count(*) from outbox o join messages m on o.related=m.id where m.message_id='' and m.sender=? and o.state='sent' and o.kind='reply'", (frm,)).fetchone()[0] > 0
    flag = '' if got == (ans == 'true') else ('  <-- NOT ANSWERED' if ans == 'true' else '  <-- answered')
    print('%s %-5s %-45s %s%s' % (f, 'reply' if got else '-', name[:45], row, flag))
PY
grep -v '"level":"info"' $S/once.err | cut -c1-300 | head -20
