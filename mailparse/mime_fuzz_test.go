package mailparse

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func addEMLSeeds(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, file := range files {
		f.Add(readTestdata(f, file[len("testdata/"):]))
	}
}

func FuzzParse(f *testing.F) {
	addEMLSeeds(f)
	lim := Limits{MaxAttachmentSize: 1 << 20, MaxParts: 50, MaxDepth: 8, MaxZipEntries: 50, MaxUnzipSize: 4 << 20}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw, lim)
		if err != nil {
			return
		}
		if !utf8.ValidString(p.Subject) || strings.ContainsAny(p.Subject, "\r\n\x00") {
			t.Errorf("bad subject %q", p.Subject)
		}
		if !utf8.ValidString(p.Text) || len(p.Text) > DefaultLimits().MaxTextBytes {
			t.Errorf("bad text: %d bytes", len(p.Text))
		}
		if len(p.Attachments) > lim.MaxParts*(lim.MaxZipEntries+1) {
			t.Errorf("%d attachments", len(p.Attachments))
		}
		for _, a := range p.Attachments {
			if a.Filename == "" || len(a.Filename) > maxFilenameBytes || strings.ContainsAny(a.Filename, "/\\\x00\r\n") || !utf8.ValidString(a.Filename) {
				t.Errorf("unsafe filename %q", a.Filename)
			}
			if int64(len(a.Data)) > lim.MaxAttachmentSize {
				t.Errorf("%s: %d bytes over the limit", a.Path, len(a.Data))
			}
		}
	})
}

func FuzzParseContentDisposition(f *testing.F) {
	g := gbk(f, formName)
	for _, s := range []string{
		"attachment; filename*=GBK''%B3%AF%D1%F4",
		"attachment; filename*0*=gb2312''%B3%AF; filename*1*=%D1%F4.xlsx",
		`attachment; filename="=?gb18030?B?s6/R9A==?="`,
		`attachment; filename="` + g + `"`,
		"attachment; filename=" + g,
		`inline; filename="a.xlsx"; filename="b.xlsx"`,
		`attachment; filename="..\\..\\x.xlsx"`,
		"attachment; filename=\"\u202Exslx.exe\"",
		`attachment; filename*=x-unknown'zh'%FF%FE; filename="=?big5?Q?=A5x?="`,
		`attachment; filename*0="=?utf-8?B?5pyd"; filename*1="6Ziz?="`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		disp, name, _ := ParseContentDisposition(raw)
		if strings.ContainsAny(disp, ";") {
			t.Errorf("disposition %q", disp)
		}
		if len(name) > maxFilenameBytes || !utf8.ValidString(name) || strings.ContainsAny(name, "/\\\x00\r\n\u202E") {
			t.Errorf("unsafe name %q from %q", name, raw)
		}
		if name != "" && SanitizeFilename(name) != name {
			t.Errorf("sanitize not idempotent: %q -> %q", name, SanitizeFilename(name))
		}
	})
}
