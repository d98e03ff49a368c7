#!/bin/sh
# config.sh DATADIR [HTTPPORT] [SMTPADDR] > kaohe.toml: a kaohe configuration
# for the trial servers that setup.sh starts.
cat <<CONF
data_dir = "$1"
roster = "${ROSTER:-${TRIAL_DIR:-/srv/trial}/forms/roster.csv}"
[imap]
addr = "127.0.0.1:10143"
tls = "none"
user = "${IMAP_USER:-kaohe}"
password = "trialpw"
poll_interval = "5s"
[smtp]
addr = "${3:-127.0.0.1:2525}"
tls = "none"
user = ""
per_day = 2000
per_recipient_per_hour = 20
timeout = "20s"
[reply]
from = "组织机构部 <zzjgb@trial.example.org>"
[campaign]
cutoff = "${CUTOFF:-2027-01-06T00:00:00+08:00}"
staff = ["王明 <wangming@trial.example.org>"${STAFF2:+, \"$STAFF2\"}]
[http]
listen = "127.0.0.1:${2:-8025}"
unhealthy_after = "30s"
mailbox_alert_after = "1m"
[log]
format = "json"
CONF
