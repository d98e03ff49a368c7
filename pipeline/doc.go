// Package pipeline is what happens to one incoming mail: archive it, record
// it, walk its MIME parts, check every workbook, decide whether and to whom
// to answer, compose the receipt, and commit results and reply in one
// transaction. It is the Handler the mailbox watcher calls; a nil return
// means the message is durably done and may be moved on the server.
package pipeline
