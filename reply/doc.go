// Package reply answers agencies by email: it decides whether a message may
// get an automatic reply at all (RFC 3834), composes the receipt with its
// cell-by-cell findings and the annotated workbook, and sends queued mail
// over SMTP with retries, backoff and rate limits.
package reply
