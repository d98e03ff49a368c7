#!/bin/sh
# Scenario 7: the season after the deadline against Dovecot (user kaohe7)
# and Postfix. 40 forms drained by kaohe serve before a cut-off 2 min ahead;
# the staff summary's workbook reviewed with openpyxl (one copy re-saved by
# LibreOffice) and mailed back by staff, by a stranger and by a forged staff
# From without a token; results computed, changed by the 主任办公会 and
# mailed back (审定); published twice, then once more after a change (更正);
# four agencies mail the 推荐表 their notice attached; staff decide the
# 推荐名单 by mail; results final. Every mail is counted at the sink.
set -u
export IMAP_USER=kaohe7
. "$(dirname "$0")/lib.sh"
S=$T/s7
N=${N:-40}
PY=/usr/bin/python3
STAFF=wangming@trial.example.org
STAFF2=lihua@trial.example.org
export STAFF2="李华 <$STAFF2>"
rm -rf $S; mkdir -p $S/forms $S/wb
reset_mailbox
grep -q '^kaohe7:' $T/dovecot/passwd || echo 'kaohe7:{PLAIN}trialpw::::::' >> $T/dovecot/passwd
$TRIAL forms -n $N -id s7 -o $S/forms >/dev/null
start=$(now)
# The cut-off is 2 minutes ahead: the forms come in time, then the season
# is past its deadline while the daemon runs. The 推荐表 deadline is set
# later (step 7), as the office sets it once the results are out.
cutoff=$(date -d "@$(echo "$start + 120" | bc | cut -d. -f1)" --iso-8601=seconds)
config() {
	ROSTER=$S/forms/roster.csv CUTOFF=$cutoff $HERE/config.sh $S/data 8047 > $S/kaohe.toml
	cat >> $S/kaohe.toml <<CONF
[results]
individual_quota = 60
recommend_cutoff = "$1"
CONF
}
config "$(date -d '+1 day' --iso-8601=seconds)"
serve() { $KAOHE serve --config $S/kaohe.toml >> $S/serve.log 2>&1 & spid=$!; }
serve
q() { sqlite3 $S/data/kaohe.db "$1"; }
# wait_sent KIND N: until N outbox mails of KIND are sent (at most 5 min).
wait_sent() {
	for i in $(seq 1 300); do
		[ "$(q "select count(*) from outbox where kind='$1' and state='sent'")" -ge "$2" ] && return 0
		sleep 1
	done
	echo "  !! only $(q "select count(*) from outbox where kind='$1' and state='sent'") of $2 $1 sent"
}
# wait_msgs N: until N messages are recorded as handled.
wait_msgs() {
	for i in $(seq 1 300); do
		[ "$(q "select count(*) from messages where outcome != ''" 2>/dev/null || echo 0)" -ge "$1" ] && [ "$(inbox_count)" = 0 ] && return 0
		sleep 1
	done
	echo "  !! inbox $(inbox_count), handled $(q "select count(*) from messages")"
}
sinkmark() { sleep 2; now; }
count() { $PY $HERE/count.py $T/sink --since $1 | sed 's/^/  /'; }

echo "== 1. drain $N forms"
sleep 2
$TRIAL append -user kaohe7 $S/forms >/dev/null
wait_msgs $N
wait_sent reply $N
t1=$(now)
echo "drained and answered $N forms in $(echo "$t1 - $start" | bc) s"
count $start | head -3

echo "== 2. the summary after the cut-off, reviewed and mailed back"
for i in $(seq 1 200); do [ "$(now | cut -d. -f1)" -gt "$(date -d "$cutoff" +%s)" ] && break; sleep 1; done
wait_sent consolidated 2
sum=$($PY $HERE/mail.py get $T/sink --to $STAFF --subject 汇总 --since $start $S/wb/summary.xlsx) || exit 1
echo "summary: $sum"
sid=${sum%% *}
$PY $HERE/wb.py review $S/wb/summary.xlsx $S/wb/reviewed.xlsx
(cd $S/wb && mkdir -p lo && timeout 120 soffice --headless --convert-to xlsx --outdir lo reviewed.xlsx >/dev/null 2>&1)
$PY $HERE/wb.py strip $S/wb/reviewed.xlsx $S/wb/forged.xlsx
t2=$(sinkmark)
$PY $HERE/mail.py send --from "王明 <$STAFF>" --subject "回复：2021年度考核表汇总" --irt $sid --id s7.review@trial.example.org $S/wb/lo/reviewed.xlsx >/dev/null
wait_msgs $((N + 1)); wait_sent reply $((N + 1))
echo "LibreOffice copy from staff: $(q "select outcome from messages where message_id='s7.review@trial.example.org'"); reviews $(q 'select count(*) from reviews'), vetoes $(q 'select count(*) from vetoes where veto=1'), paper $(q 'select count(*) from paper_forms')"
$PY $HERE/mail.py send --from "张三 <zhangsan@stranger.example.com>" --subject "汇总表" --id s7.stranger@trial.example.org $S/wb/reviewed.xlsx >/dev/null
$PY $HERE/mail.py send --from "王明 <$STAFF>" --subject "回复：汇总表" --id s7.forged@trial.example.org $S/wb/forged.xlsx >/dev/null
wait_msgs $((N + 3)); wait_sent staff_workbook_notice 3
echo "stranger: $(q "select outcome from messages where message_id='s7.stranger@trial.example.org'"), forged: $(q "select outcome from messages where message_id='s7.forged@trial.example.org'"); review rows still $(q 'select count(*) from reviews')"
count $t2 | tail -n +3

echo "== 3. results, 主任办公会, 审定 by mail"
$KAOHE results -o $S/wb/results.xlsx --config $S/kaohe.toml 2>&1 | sed -n 2,4p
$PY $HERE/wb.py results $S/wb/results.xlsx $S/wb/approved.xlsx
$PY $HERE/mail.py send --from "王明 <$STAFF>" --subject "考核结果表（主任办公会已审定）" --id s7.approve@trial.example.org $S/wb/approved.xlsx >/dev/null
wait_msgs $((N + 4)); wait_sent reply $((N + 3))
echo "approval mail: $(q "select outcome from messages where message_id='s7.approve@trial.example.org'")"

echo "== 4. publish"
t4=$(now)
$KAOHE results publish --config $S/kaohe.toml 2>&1 | sed -n 2p
wait_sent result_notice $N
t5=$(now)
echo "published to $N agencies: queued and sent in $(echo "$t5 - $t4" | bc) s"
$KAOHE results publish --config $S/kaohe.toml 2>&1 | sed -n 2p
$PY $HERE/wb.py regrade $S/wb/approved.xlsx $S/wb/approved2.xlsx
$PY $HERE/mail.py send --from "王明 <$STAFF>" --subject "考核结果表（更正后审定）" --id s7.approve2@trial.example.org $S/wb/approved2.xlsx >/dev/null
wait_msgs $((N + 5)); wait_sent reply $((N + 4))
$KAOHE results publish --config $S/kaohe.toml 2>&1 | grep -e 更正 | head -2
wait_sent result_notice $((N + 1))
sleep 3
$PY $HERE/count.py $T/sink --since $t4 --kinds

echo "== 5. four agencies mail back the 推荐表 of their notice"
t6=$(sinkmark)
i=0; sent=''
for a in $(tail -n +2 $S/forms/roster.csv | cut -d, -f3); do
	$PY $HERE/mail.py get $T/sink --to $a --subject 考核结果 --since $t4 $S/wb/blank-$a.xlsx >/dev/null 2>&1 || continue
	i=$((i + 1))
	$PY $HERE/wb.py recommend $S/wb/blank-$a.xlsx $S/wb/rec-$a.xlsx $i >/dev/null
	f=$S/wb/rec-$a.xlsx
	if [ $i = 4 ]; then
		(cd $S/wb && mkdir -p lo2 && timeout 120 soffice --headless --convert-to xlsx --outdir lo2 rec-$a.xlsx >/dev/null 2>&1)
		f=$S/wb/lo2/rec-$a.xlsx
	fi
	$PY $HERE/mail.py send --from "$a" --subject "优秀单位、优秀个人推荐表" --id s7.rec$i@trial.example.org $f >/dev/null
	[ $i = 4 ] && break
done
wait_msgs $((N + 9)); wait_sent reply $((N + 8))
echo "推荐表: $(q "select outcome, count(*) from messages where message_id like 's7.rec%' group by 1")"
count $t6

echo "== 6. 推荐名单 decided by staff, by mail"
$KAOHE consolidate -o $S/wb/staff2.xlsx --config $S/kaohe.toml >/dev/null 2>&1
$PY $HERE/wb.py decide $S/wb/staff2.xlsx $S/wb/decided.xlsx
$PY $HERE/mail.py send --from "王明 <$STAFF>" --subject "推荐名单（主任办公会已决定）" --id s7.decide@trial.example.org $S/wb/decided.xlsx >/dev/null
wait_msgs $((N + 10)); wait_sent reply $((N + 9))
echo "decisions mail: $(q "select outcome from messages where message_id='s7.decide@trial.example.org'")"

echo "== 7. the 推荐表 deadline passes (set to now, daemon restarted); results final"
$KAOHE results final --config $S/kaohe.toml 2>&1 | head -1 | cut -c1-80
kill $spid; wait $spid
config "$(date --iso-8601=seconds)"
sleep 1; serve
t7=$(sinkmark)
$KAOHE results final --config $S/kaohe.toml 2>&1 | head -2
wait_sent final_list 4
$KAOHE results final --config $S/kaohe.toml 2>&1 | head -2
sleep 5
$PY $HERE/count.py $T/sink --since $t7 --kinds
kill $spid; wait $spid
echo "== all mail of the scenario, per kind: recipients and copies each"
$PY $HERE/count.py $T/sink --since $start --kinds
echo "outbox: $(q "select kind||' '||state||' '||count(*) from outbox group by kind, state" | tr '\n' ';')"
grep -e '"level":"error"' -e '"level":"warn"' $S/serve.log | cut -c1-250 | head -5
