package validate

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostileDTDs are the classic XML attacks, each with the entity a part's
// first text or value then refers to: an external entity naming a local
// file (XXE), an external parameter entity, and the billion laughs.
func hostileDTDs(secretPath string) map[string]string {
	laughs := `<!ENTITY e0 "lol">`
	for i := 1; i <= 9; i++ {
		laughs += fmt.Sprintf(`<!ENTITY e%d "%s">`, i, strings.Repeat(fmt.Sprintf("&e%d;", i-1), 10))
	}
	return map[string]string{
		"xxe file":             `<!DOCTYPE x [<!ENTITY e9 SYSTEM "file://` + secretPath + `">]>`,
		"xxe parameter entity": `<!DOCTYPE x [<!ENTITY % p SYSTEM "file://` + secretPath + `"> %p; <!ENTITY e9 "x">]>`,
		"xxe http":             `<!DOCTYPE x [<!ENTITY e9 SYSTEM "http://127.0.0.1:1/evil.dtd">]>`,
		"billion laughs":       `<!DOCTYPE x [` + laughs + `]>`,
	}
}

// withDTD puts dtd after the part's XML declaration and a reference to &e9;
// into its first element of the given tag.
func withDTD(part []byte, dtd, tag string) []byte {
	s := string(part)
	at := 0
	if strings.HasPrefix(s, "<?xml") {
		at = strings.Index(s, "?>") + 2
	}
	s = s[:at] + dtd + s[at:]
	if i := strings.Index(s, "<"+tag+">"); i >= 0 {
		i += len(tag) + 2
		s = s[:i] + "&e9;" + s[i:]
	}
	return []byte(s)
}

// TestHostileXMLInsideWorkbook: XXE and billion-laughs parts inside an
// xlsx are refused or read harmlessly, quickly, and nothing of the named
// local file reaches what was read.
func TestHostileXMLInsideWorkbook(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.txt")
	const marker = "KAOHE-SECRET-7f3a"
	if err := os.WriteFile(secret, []byte(marker), 0o600); err != nil {
		t.Fatal(err)
	}
	parts := []struct{ name, tag string }{
		{"xl/sharedStrings.xml", "t"},
		{"xl/worksheets/sheet1.xml", "v"},
		{"xl/workbook.xml", "definedName"},
		{"xl/styles.xml", "numFmts"},
		{"[Content_Types].xml", "Default"},
	}
	o := opts2021()
	for _, file := range []string{"official.xlsx", "libreoffice.xlsx"} {
		pkg := readTestdata(t, file)
		for _, p := range parts {
			orig := partOf(pkg, p.name)
			if orig == nil {
				continue
			}
			for attack, dtd := range hostileDTDs(secret) {
				t.Run(file+"/"+p.name+"/"+attack, func(t *testing.T) {
					part := withDTD(orig, dtd, p.tag)
					data := replacePart(t, pkg, p.name, func(w io.Writer) { w.Write(part) }, 0)
					start := time.Now()
					sub, fs := Read(data, o)
					checkBounded(t, time.Since(start), 2*time.Second)
					for _, fd := range fs {
						if fd.Message == panicMessage {
							t.Fatal("Read panicked")
						}
					}
					if sub == nil && len(fs) != 1 {
						t.Fatalf("no submission and findings %+v", fs)
					}
					dump := fmt.Sprintf("%+v %+v", sub, fs)
					if strings.Contains(dump, marker) {
						t.Fatalf("the local file's content reached the result: %.300s", dump)
					}
					if strings.Contains(dump, strings.Repeat("lol", 100)) {
						t.Fatalf("entities were expanded into the result")
					}
				})
			}
		}
	}
}

// TestHostileXMLSeedsAreKept makes sure the XXE and billion-laughs seeds of
// the part fuzzers stay in the repository.
func TestHostileXMLSeedsAreKept(t *testing.T) {
	for _, dir := range []string{"FuzzReadSheetXML", "FuzzReadSharedStrings"} {
		seeds, _ := filepath.Glob(filepath.Join("testdata", "fuzz", dir, "hostile-*"))
		if len(seeds) < 2 {
			t.Errorf("%s: %d hostile seeds, want the XXE and billion-laughs ones", dir, len(seeds))
		}
		for _, s := range seeds {
			b, err := os.ReadFile(s)
			if err != nil || !bytes.HasPrefix(b, []byte("go test fuzz v1\n")) {
				t.Errorf("%s is not a fuzz seed file", s)
			}
		}
	}
}
