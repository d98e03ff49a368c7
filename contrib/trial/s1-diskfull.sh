#!/bin/sh
# Scenario 1: a 3 MiB tmpfs data folder fills during a 100-message drain
# under kaohe serve; a minute after the first write failure it is enlarged
# to 64 MiB. Writes $T/s1/{serve.log,health.log,timeline} and prints counts.
set -u
. "$(dirname "$0")/lib.sh"
S=$T/s1
umount $S/data 2>/dev/null; rm -rf $S; mkdir -p $S/data $S/forms
mount -t tmpfs -o size=3m,mode=0700 trial-s1 $S/data
reset_mailbox
$HERE/config.sh $S/data 8031 > $S/kaohe.toml
mkdir -p $S/forms
$TRIAL forms -n 100 -id s1 -o $S/forms >/dev/null && rm $S/forms/roster.csv
$TRIAL append $S/forms
start=$(now); echo "start $start" > $S/timeline
$KAOHE serve --config $S/kaohe.toml > $S/serve.log 2>&1 &
kpid=$!
poll_health http://127.0.0.1:8031/healthz $S/health.log &
hpid=$!
# the first failed write: the first log line that says the disk is full
first=""
for i in $(seq 1 300); do
	if grep -q -i -e 'disk is full' -e 'no space left' $S/serve.log; then first=$(now); break; fi
	sleep 1
done
echo "first_full_log $first" >> $S/timeline
sleep 60
mount -o remount,size=64m $S/data
grown=$(now); echo "enlarged $grown" >> $S/timeline
# wait until INBOX is empty and 100 replies are at the sink, 5 minutes at most
for i in $(seq 1 300); do
	n=$(python3 $HERE/count.py $T/sink --irt s1 | head -1 | awk '{print $4}')
	[ "$(inbox_count)" = 0 ] && [ "$n" -ge 100 ] && break
	sleep 1
done
done_at=$(now); echo "all_answered $done_at ($(echo "$done_at - $grown" | bc) s after enlarging)" >> $S/timeline
sleep 20
kill $kpid; wait $kpid; kill $hpid
cat $S/timeline
python3 $HERE/count.py $T/sink --since $start --irt s1 --bodies
echo "inbox $(inbox_count) processed $(processed_count)"
sqlite3 $S/data/kaohe.db "select outcome, count(*) from messages group by outcome" 2>&1
first503=$(awk '$2==503{print $1; exit}' $S/health.log)
echo "first 503 at $first503 ($(echo "$first503 - $first" | bc) s after the first disk-full log line)"
echo "error lines in the log: $(grep -c '"level":"error"' $S/serve.log), warn: $(grep -c '"level":"warn"' $S/serve.log)"
echo "healthz reasons seen: $(grep -o '"component":"[a-z_]*"' $S/health.log | sort | uniq -c | tr '\n' ' ')"
last503=$(awk '$2==503{t=$1} END{print t}' $S/health.log)
echo "last 503 at $last503 ($(echo "$last503 - $grown" | bc) s after enlarging)"
