// Package monitor counts what the daemon does and serves it over HTTP on
// loopback: /healthz for a supervisor or a person (is the mailbox being
// read, how much mail waits to be sent) and /metrics in Prometheus text
// format. It holds no business logic.
package monitor
