#!/bin/sh
# Scenario 4: two kaohe serve, each with its own data folder, on the same
# mailbox (user kaohe4). 40 forms are appended while both run.
set -u
export IMAP_USER=kaohe4
. "$(dirname "$0")/lib.sh"
S=$T/s4
rm -rf $S; mkdir -p $S/new
reset_mailbox
$TRIAL forms -n 40 -id s4 -o $S/new >/dev/null && rm $S/new/roster.csv
$HERE/config.sh $S/a 8041 > $S/a.toml
$HERE/config.sh $S/b 8042 > $S/b.toml
since=$(now)
$KAOHE serve --config $S/a.toml > $S/a.log 2>&1 & apid=$!
$KAOHE serve --config $S/b.toml > $S/b.log 2>&1 & bpid=$!
poll_health http://127.0.0.1:8041/healthz $S/a.health & ha=$!
poll_health http://127.0.0.1:8042/healthz $S/b.health & hb=$!
sleep 2
$TRIAL append -user kaohe4 $S/new
for i in $(seq 1 180); do
	[ "$(inbox_count)" = 0 ] && [ "$(processed_count)" -ge 40 ] && break
	sleep 1
done
echo "drained after $(echo "$(now) - $since" | bc) s: inbox $(inbox_count) processed $(processed_count)"
sleep 75   # past mailbox_alert_after and unhealthy_after
kill $apid $bpid; wait $apid $bpid; kill $ha $hb
echo "receipts at Postfix:"; python3 $HERE/count.py $T/sink --since $since --irt s4 | head -3
for x in a b; do
	echo "daemon $x: $(sqlite3 $S/$x/kaohe.db "select count(*) from messages where outcome='processed'") processed; consumer reasons in /healthz: $(grep -c '"component":"consumer"' $S/$x.health) of $(wc -l < $S/$x.health) polls"
	grep -m1 '"component":"consumer"' $S/$x.health | grep -o '"reasons":.*' | cut -c1-300
	grep '"level":"error"' $S/$x.log | cut -c1-250 | head -3
done
echo "staff mail since the start:"; python3 $HERE/count.py $T/sink --since $since --irt none --bodies | tail -n +3
