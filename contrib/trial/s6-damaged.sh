#!/bin/sh
# Scenario 6: a damaged kaohe.db. Copies the data folder of scenario 1 (100
# mails recorded), overwrites pages of kaohe.db, appends 5 new forms to the
# kaohe6 mailbox and starts kaohe serve: it must stop with exit 2 and a
# Chinese message, mailbox untouched. Then the way back README gives for
# "no backup": move the files aside, kaohe rebuild, kaohe serve --once.
set -u
export IMAP_USER=kaohe6
. "$(dirname "$0")/lib.sh"
S=$T/s6
rm -rf $S; mkdir -p $S/new
cp -a $T/s1/data $S/data
$HERE/config.sh $S/data 8036 > $S/kaohe.toml
reset_mailbox
$TRIAL forms -n 5 -id s6 -o $S/new >/dev/null && rm $S/new/roster.csv
# a backup taken now, for the second way back
sqlite3 $S/data/kaohe.db ".backup $S/backup.db"
$TRIAL append -user kaohe6 $S/new
pages=$(( $(stat -c %s $S/data/kaohe.db) / 4096 ))
echo "kaohe.db: $pages pages; overwriting pages 3-6 and 20-23"
dd if=/dev/urandom of=$S/data/kaohe.db bs=4096 seek=3 count=4 conv=notrunc 2>/dev/null
dd if=/dev/urandom of=$S/data/kaohe.db bs=4096 seek=20 count=4 conv=notrunc 2>/dev/null
s=$(now)
timeout 60 $KAOHE serve --config $S/kaohe.toml > $S/serve.out 2> $S/serve.err
echo "serve exit $? after $(echo "$(now) - $s" | bc) s; inbox $(inbox_count) processed $(processed_count)"
echo "--- stderr (non-JSON lines):"; grep -v '^{' $S/serve.err
echo "--- stdout:"; cat $S/serve.out
echo "--- log errors:"; grep '"level":"error"' $S/serve.err | cut -c1-300
# the way back without a backup
mkdir -p $S/aside && mv $S/data/kaohe.db* $S/aside/
s=$(now)
$KAOHE rebuild --config $S/kaohe.toml > $S/rebuild.out 2> $S/rebuild.err
echo "rebuild exit $? after $(echo "$(now) - $s" | bc) s"; head -3 $S/rebuild.out; tail -3 $S/rebuild.out
sqlite3 $S/data/kaohe.db "select outcome, count(*) from messages group by outcome; select state, count(*) from outbox group by state"
# the daemon answers the 5 waiting mails, and nothing of the 100 again
since=$(now)
$KAOHE serve --once --config $S/kaohe.toml > /dev/null 2> $S/once.err
echo "serve --once exit $?; inbox $(inbox_count) processed $(processed_count)"
sleep 3
echo "receipts at Postfix since the rebuild, for the 5 new mails:"; python3 $HERE/count.py $T/sink --since $since --irt s6 | head -2
echo "for the 100 rebuilt mails:"; python3 $HERE/count.py $T/sink --since $since --irt s1 | head -2
