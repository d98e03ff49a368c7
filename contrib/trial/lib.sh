# Shared helpers of the trial scenarios (sourced).
T=${TRIAL_DIR:-/srv/trial}
U=${IMAP_USER:-kaohe}
KAOHE=${KAOHE:-$T/bin/kaohe}
TRIAL=${TRIAL:-$T/bin/trial}
HERE=$(cd "$(dirname "$0")" && pwd)
now() { date +%s.%N | cut -c1-14; }
# reset_mailbox empties the trial user's mailboxes (Dovecot must be idle for it).
reset_mailbox() {
	rm -rf $T/dovecot/mail/$U
	mkdir -p $T/dovecot/mail/$U && chown nobody:nogroup $T/dovecot/mail/$U
}
reset_sink() { rm -f $T/sink/new/* $T/sink/cur/* 2>/dev/null || true; }
inbox_count() { ls $T/dovecot/mail/$U/new $T/dovecot/mail/$U/cur 2>/dev/null | grep -vc -e '^$' -e ':$' || true; }
processed_count() { ls $T/dovecot/mail/$U/.Processed/new $T/dovecot/mail/$U/.Processed/cur 2>/dev/null | grep -vc -e '^$' -e ':$' || true; }
# poll_health URL OUT: one line per second, "epoch status body".
poll_health() {
	while :; do
		b=$(curl -s -m 1 -w ' %{http_code}' "$1" | tr -d '\n')
		echo "$(now) ${b##* } ${b% *}" >> "$2"
		sleep 1
	done
}
