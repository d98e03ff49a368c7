package reply

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// msgIDPrefix starts the local part of every Message-ID we generate.
const msgIDPrefix = "kaohe-"

// maxReferences: References keeps the first ID and the last maxReferences.
const maxReferences = 10

// MessageID returns the deterministic Message-ID, with angle brackets, of
// the mail of the given kind made from key (for a receipt: the incoming
// Message-ID, or the hash of the raw message when it has none).
func MessageID(kind, key, domain string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + key))
	return fmt.Sprintf("<%s%s-%s@%s>", msgIDPrefix, kind, hex.EncodeToString(sum[:])[:24], domain)
}

// boundary derives a multipart boundary from the Message-ID. "=_" cannot
// occur in quoted-printable or base64 output, so no body can contain it.
func boundary(msgID, part string) string {
	sum := sha256.Sum256([]byte(part + "\x00" + msgID))
	return "=_kaohe_" + part + "_" + hex.EncodeToString(sum[:])[:20]
}

// threadIDs returns In-Reply-To and References for a reply (RFC 5322
// §3.6.4), IDs with angle brackets; References keeps the first ID and the
// last maxReferences.
func threadIDs(msgID string, refs, inReplyTo []string) (irt []string, references []string) {
	msgID = normMsgID(msgID)
	if msgID == "" {
		return nil, nil
	}
	var parent []string
	for _, r := range refs {
		// An entry may hold several IDs (a References value not split).
		for _, one := range msgIDs(r) {
			if id := normMsgID(one); id != "" {
				parent = append(parent, id)
			}
		}
	}
	if len(parent) == 0 {
		var irt []string
		for _, r := range inReplyTo {
			irt = append(irt, msgIDs(r)...)
		}
		if len(irt) == 1 {
			if id := normMsgID(irt[0]); id != "" {
				parent = append(parent, id)
			}
		}
	}
	references = append(parent, msgID)
	if len(references) > maxReferences+1 {
		capped := append([]string{references[0]}, references[len(references)-maxReferences:]...)
		references = capped
	}
	return []string{msgID}, references
}

// normMsgID returns "<id>" for a syntactically plain message identifier,
// "" for anything that could break a header.
func normMsgID(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimPrefix(id, "<")
	id = strings.TrimSuffix(id, ">")
	if id == "" || len(id) > 250 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' || c == '"' || c == '\\' {
			return ""
		}
	}
	return "<" + id + ">"
}
