// Package mailparse walks a raw mail's MIME tree into what the checks need:
// sender, subject and message ids, the text of the body, and the attachments
// with their Chinese filenames decoded and their kind told from their bytes.
// Parse never fails on a malformed message; it records what it could not read.
package mailparse
