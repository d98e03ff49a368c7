#!/bin/sh
# Scenario 3: smtp.addr at a closed port and at Dovecot's IMAP port, imap.addr
# at Postfix's SMTP port: what serve --check-config says, and what the
# running daemon says within 70 s (log, /healthz).
set -u
export IMAP_USER=kaohe6
. "$(dirname "$0")/lib.sh"
S=$T/s3
rm -rf $S; mkdir -p $S/new
$TRIAL forms -n 3 -id s3 -o $S/new >/dev/null && rm $S/new/roster.csv
for c in smtp-closed:127.0.0.1:10143:127.0.0.1:2599 smtp-at-imap:127.0.0.1:10143:127.0.0.1:10143 imap-at-smtp:127.0.0.1:2525:127.0.0.1:2525; do
	name=${c%%:*}; rest=${c#*:}
	imap=$(echo $rest | cut -d: -f1-2); smtp=$(echo $rest | cut -d: -f3-4)
	$HERE/config.sh $S/$name 8033 $smtp | sed "s|^addr = \"127.0.0.1:10143\"|addr = \"$imap\"|" > $S/$name.toml
	reset_mailbox; $TRIAL append -user kaohe6 $S/new >/dev/null
	echo "=== $name (imap $imap, smtp $smtp)"
	s=$(now); $KAOHE serve --check-config --config $S/$name.toml; echo "check-config exit $? in $(echo "$(now) - $s" | bc) s"
	s=$(now)
	$KAOHE serve --config $S/$name.toml > $S/$name.log 2>&1 & k=$!
	poll_health http://127.0.0.1:8033/healthz $S/$name.health & h=$!
	sleep 70; kill $k; wait $k; kill $h
	echo "first 503 after $(awk -v s=$s '$2==503{print $1-s; exit}' $S/$name.health) s: $(awk '$2==503{print; exit}' $S/$name.health | grep -o '"reasons":.*' | cut -c1-400)"
	echo "log lines: $(wc -l < $S/$name.log); warn/error:"; grep -v '"level":"info"' $S/$name.log | cut -c1-330 | head -4
done
