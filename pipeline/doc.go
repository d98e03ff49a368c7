// Package pipeline is what happens to one incoming mail: archive it, record
// it, walk its MIME parts, check every workbook (a 考核表, or a 推荐表
// once the results are out), decide whether and to whom to answer, compose
// the receipt, and commit results, proposals and reply in one transaction. It is the Handler the mailbox watcher calls; a nil return
// means the message is durably done and may be moved on the server.
//
// A failure is either the message's fault, counted toward its quarantine,
// or ours (the disk, the database, the workbook reader), which counts
// nothing and pauses intake until a probe write succeeds (Gate).
package pipeline
