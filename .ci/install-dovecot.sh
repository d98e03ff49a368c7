#!/bin/sh
# Install Dovecot's IMAP server for the mailbox integration tests
# (mailbox/dovecot_test.go starts its own throw-away instance on a loopback
# port; the system service is stopped so it does not hold port 143).
# Idempotent; works as root (CI containers) or through sudo.
set -eu

if [ -x /usr/sbin/dovecot ]; then
	echo "dovecot already installed: $(/usr/sbin/dovecot --version)"
else
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		SUDO="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends dovecot-imapd
	echo "installed: $(/usr/sbin/dovecot --version)"
fi

# The tests run their own instance; stop and disable the packaged one.
if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	$SUDO service dovecot stop >/dev/null 2>&1 || true
	if command -v systemctl >/dev/null 2>&1; then
		$SUDO systemctl disable --now dovecot >/dev/null 2>&1 || true
	fi
fi
exit 0
