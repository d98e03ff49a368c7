#!/bin/sh
# Scenario 2: Postfix answers 451 (smtpd_recipient_restrictions = defer) for
# two minutes while 20 forms arrive, then accepts; then Postfix is stopped
# for two minutes while 20 more arrive, then started. One kaohe serve runs
# throughout with http.unhealthy_after = 30s.
set -u
. "$(dirname "$0")/lib.sh"
S=$T/s2
rm -rf $S; mkdir -p $S/a $S/b
reset_mailbox; reset_sink
$HERE/config.sh $S/data 8032 > $S/kaohe.toml
$TRIAL forms -n 40 -id s2 -o $S/all >/dev/null
for i in $(seq -w 0 19); do mv $S/all/0$i.eml $S/a/; done
mv $S/all/0*.eml $S/b/
metric() { curl -s http://127.0.0.1:8032/metrics | awk -v m="$1" '$1==m{print $2}'; }
$HERE/setup.sh defer >/dev/null 2>&1
since_all=$(now)
t0=$(now); echo "451 from $t0" > $S/timeline
$KAOHE serve --config $S/kaohe.toml > $S/serve.log 2>&1 &
kpid=$!
poll_health http://127.0.0.1:8032/healthz $S/health.log &
hpid=$!
sleep 2; $TRIAL append $S/a
sleep 118
echo "deferred_total after 451 phase: $(metric kaohe_mail_deferred_total)" >> $S/timeline
$HERE/setup.sh undefer >/dev/null 2>&1
t1=$(now); echo "451 ends $t1" >> $S/timeline
for i in $(seq 1 120); do
	n=$(python3 $HERE/count.py $T/sink --irt s2 | head -1 | awk '{print $4}')
	[ "$n" -ge 20 ] && break; sleep 1
done
echo "20 answered $(now)" >> $S/timeline
sleep 5
postfix stop >/dev/null 2>&1
t2=$(now); echo "postfix stopped $t2" >> $S/timeline
$TRIAL append $S/b
sleep 120
echo "deferred_total after down phase: $(metric kaohe_mail_deferred_total)" >> $S/timeline
postfix start >/dev/null 2>&1
t3=$(now); echo "postfix started $t3" >> $S/timeline
for i in $(seq 1 180); do
	n=$(python3 $HERE/count.py $T/sink --irt s2 | head -1 | awk '{print $4}')
	[ "$n" -ge 40 ] && break; sleep 1
done
echo "40 answered $(now)" >> $S/timeline
sleep 15
curl -s http://127.0.0.1:8032/metrics | grep -e deferred -e 'mail_sent' -e failed > $S/metrics.txt
kill $kpid; wait $kpid; kill $hpid
cat $S/timeline $S/metrics.txt
python3 $HERE/count.py $T/sink --since $t0 --irt s2 --bodies
awk '{print $1, $2, substr($0, index($0,"\"reasons\""), 160)}' $S/health.log | awk '$2==503' | sed -n '1p;$p'
# first and last 503 of each phase
awk -v a=$t0 -v b=$t1 '$2==503 && $1>=a && $1<=b {if(!f){print "451 phase: first 503", $1-a, "s after start"; f=1}}' $S/health.log
awk -v a=$t2 -v b=$t3 '$2==503 && $1>=a && $1<=b {if(!f){print "down phase: first 503", $1-a, "s after stop"; f=1}}' $S/health.log
