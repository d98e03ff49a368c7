package mailparse

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"sort"
	"strings"
	"testing"
	"time"
)

// mimeAttachment renders one base64 attachment part (header and body).
func mimeAttachment(name string, data []byte) string {
	return "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"" + name + "\"\r\n\r\n" +
		base64.StdEncoding.EncodeToString(data) + "\r\n"
}

// mailWith wraps parts into a multipart/mixed message.
func mailWith(parts ...string) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.cn\r\nSubject: t\r\nContent-Type: multipart/mixed; boundary=BB\r\n\r\n")
	for _, p := range parts {
		b.WriteString("--BB\r\n" + p + "\r\n")
	}
	b.WriteString("--BB--\r\n")
	return []byte(b.String())
}

func zipBytes(t testing.TB, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		data := entries[name]
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func problemsContain(p *Parsed, sub string) bool {
	for _, s := range p.Problems {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestParseDeepNesting(t *testing.T) {
	xlsx := readTestdata(t, "chaoyang.xlsx")
	for _, shape := range []string{"multipart", "rfc822"} {
		t.Run(shape, func(t *testing.T) {
			inner := mimeAttachment("deep.xlsx", xlsx)
			for i := 0; i < 100; i++ {
				if shape == "multipart" {
					inner = fmt.Sprintf("Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n%s\r\n--b%d--\r\n", i, i, inner, i)
				} else {
					inner = "Content-Type: message/rfc822\r\n\r\nSubject: level\r\n" + inner
				}
			}
			start := time.Now()
			p, err := Parse([]byte("Subject: deep\r\n"+inner), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Attachments) != 0 || !problemsContain(p, "nesting deeper than 10") {
				t.Errorf("attachments %v, problems %q", names(p.Attachments), p.Problems)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			// Within the limit the form is found.
			p, err = Parse([]byte("Subject: deep\r\n"+inner), Limits{MaxDepth: 101})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Attachments) != 1 || p.Attachments[0].Kind != KindXLSX {
				t.Errorf("with MaxDepth 101: attachments %v, problems %q", names(p.Attachments), p.Problems)
			}
		})
	}
}

func TestParseManyParts(t *testing.T) {
	parts := make([]string, 10000)
	for i := range parts {
		parts[i] = mimeAttachment(fmt.Sprintf("p%d.txt", i), []byte("x"))
	}
	p, err := Parse(mailWith(parts...), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 100 || !problemsContain(p, "more than 100 MIME parts") {
		t.Errorf("%d attachments, problems %q", len(p.Attachments), p.Problems)
	}
	if p.Attachments[99].Filename != "p99.txt" {
		t.Errorf("last attachment %q", p.Attachments[99].Filename)
	}
}

func TestParseAttachmentSizeLimit(t *testing.T) {
	xlsx := readTestdata(t, "chaoyang.xlsx")
	raw := mailWith(mimeAttachment("big.xlsx", xlsx), mimeAttachment("small.txt", []byte("ok")))
	p, err := Parse(raw, Limits{MaxAttachmentSize: int64(len(xlsx) - 1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 1 || p.Attachments[0].Filename != "small.txt" || !problemsContain(p, `"big.xlsx"`) {
		t.Errorf("attachments %v, problems %q", names(p.Attachments), p.Problems)
	}
	p, err = Parse(raw, Limits{MaxAttachmentSize: int64(len(xlsx))})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Attachments) != 2 || len(p.Problems) != 0 {
		t.Errorf("at the limit: attachments %v, problems %q", names(p.Attachments), p.Problems)
	}
}

func TestParseZipLimits(t *testing.T) {
	xlsx := readTestdata(t, "chaoyang.xlsx")
	bomb := zipBytes(t, map[string][]byte{"bomb.xlsx": append([]byte("PK\x03\x04"), make([]byte, 30<<20)...)})

	// An entry that declares 1000 bytes but inflates to 10 MB.
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	payload := append([]byte("PK\x03\x04"), make([]byte, 10<<20)...)
	fw.Write(payload)
	fw.Close()
	var liar bytes.Buffer
	zw := zip.NewWriter(&liar)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "liar.xlsx", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(payload),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: 1000})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()

	many := map[string][]byte{}
	for i := 0; i < 300; i++ {
		many[fmt.Sprintf("f%03d.txt", i)] = []byte("x")
	}
	many["form.xlsx"] = xlsx

	nested := zipBytes(t, map[string][]byte{"inner.zip": zipBytes(t, map[string][]byte{"dir/朝阳区.xlsx": xlsx})})

	tests := []struct {
		name     string
		zip      []byte
		lim      Limits
		wantPath []string
		problem  string
	}{
		{"bomb over attachment limit", bomb, Limits{}, []string{"a.zip"}, "declares 31457284 bytes"},
		{"bomb over unzip budget", bomb, Limits{MaxAttachmentSize: 64 << 20, MaxUnzipSize: 1 << 20}, []string{"a.zip"}, "total unzip limit"},
		{"lying sizes", liar.Bytes(), Limits{}, []string{"a.zip"}, "liar.xlsx"},
		{"too many entries", zipBytes(t, many), Limits{}, []string{"a.zip"}, "has 301 entries"},
		{"many entries allowed", zipBytes(t, many), Limits{MaxZipEntries: 400}, []string{"a.zip/form.xlsx"}, ""},
		{"nested zip", nested, Limits{}, []string{"a.zip/inner.zip/dir/朝阳区.xlsx"}, ""},
		{"hostile entry names", zipBytes(t, map[string][]byte{"../../etc/x.xlsx": xlsx, `C:\a\..\y.xlsx`: xlsx, "/abs/z.xls": readTestdata(t, "legacy.xls")}), Limits{},
			[]string{"a.zip/etc/x.xlsx", "a.zip/abs/z.xls", "a.zip/a/y.xlsx"}, ""},
		{"two workbooks share the budget", zipBytes(t, map[string][]byte{"a.xlsx": xlsx, "b.xlsx": xlsx}),
			Limits{MaxUnzipSize: int64(len(xlsx)) + 100}, []string{"a.zip/a.xlsx"}, "total unzip limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(mailWith(mimeAttachment("a.zip", tc.zip)), tc.lim)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range p.Attachments {
				got = append(got, a.Path)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantPath) {
				t.Errorf("paths %q, want %q (problems %q)", got, tc.wantPath, p.Problems)
			}
			if tc.problem != "" && !problemsContain(p, tc.problem) {
				t.Errorf("problems %q, want one containing %q", p.Problems, tc.problem)
			}
			if tc.problem == "" && len(p.Problems) > 0 {
				t.Errorf("unexpected problems %q", p.Problems)
			}
			for _, a := range p.Attachments {
				if a.Kind == KindXLSX && !bytes.Equal(a.Data, xlsx) {
					t.Errorf("%s: extracted bytes differ", a.Path)
				}
			}
		})
	}
}
