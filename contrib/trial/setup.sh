#!/bin/sh
# Starts the trial's mail servers (root): a throw-away Dovecot on
# 127.0.0.1:10143 (user kaohe, password trialpw, maildir under $T/dovecot)
# and Postfix on 127.0.0.1:2525 as a sink that delivers every recipient to
# one maildir, $T/sink/ (never relays: default_transport is error).
# Usage: setup.sh start|stop|count|reset-sink
set -eu
T=${TRIAL_DIR:-/srv/trial}
D=$T/dovecot
case "${1:-start}" in
start)
	mkdir -p $D/mail $D/home $T/sink
	chown nobody:nogroup $D/mail $D/home
	chmod 755 $T $D
	for u in kaohe kaohe4 kaohe5 kaohe6 kaohe7; do echo "$u:{PLAIN}trialpw::::::"; done > $D/passwd
	cat > $D/dovecot.conf <<CONF
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
instance_name = kaohe-trial
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:$D/mail/%u
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$D/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 10143
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
CONF
	/usr/sbin/dovecot -c $D/dovecot.conf
	# Postfix: loopback only, one smtpd on 2525, every domain is a virtual
	# mailbox domain delivered to $T/sink, nothing relayed.
	chown nobody:nogroup $T/sink
	printf '/./ OK\n' > /etc/postfix/trial_domains
	printf '/./ sink/\n' > /etc/postfix/trial_mailbox
	postconf -e "inet_interfaces = loopback-only" "inet_protocols = ipv4" \
		"mydestination =" "relayhost =" "default_transport = error:trial sink relays nothing" \
		"relay_transport = error:trial sink relays nothing" "mynetworks = 127.0.0.0/8" \
		"virtual_mailbox_domains = regexp:/etc/postfix/trial_domains" \
		"virtual_mailbox_maps = regexp:/etc/postfix/trial_mailbox" \
		"virtual_mailbox_base = $T" "virtual_uid_maps = static:65534" "virtual_gid_maps = static:65534" \
		"virtual_minimum_uid = 1" "smtpd_recipient_restrictions = permit_mynetworks, reject" \
		"message_size_limit = 52428800" "virtual_mailbox_limit = 0" "compatibility_level = 3.6" \
		"maillog_file = /var/log/postfix.log"
	postconf -M# smtp/inet 2>/dev/null || true
	postconf -M "127.0.0.1:2525/inet=127.0.0.1:2525 inet n - n - - smtpd"
	postconf -M "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"
	postfix start
	;;
stop)
	postfix stop || true
	kill $(cat $D/run/master.pid) 2>/dev/null || true
	;;
count)
	# receipts per recipient and subject hash at the sink
	find $T/sink/new $T/sink/cur -type f 2>/dev/null | wc -l
	;;
defer)
	postconf -e "smtpd_recipient_restrictions = defer" "defer_code = 451"
	postfix reload
	;;
undefer)
	postconf -e "smtpd_recipient_restrictions = permit_mynetworks, reject"
	postfix reload
	;;
esac
