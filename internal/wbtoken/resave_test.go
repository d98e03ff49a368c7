package wbtoken

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"kaohe/internal/xlsxpeek"
)

// The stamp must survive the programs staff fill a workbook with. Each
// case re-saves a stamped workbook with the real program when installed
// and also checks the file that program produced once (testdata, stamped
// with testKey), so that the property holds where the program is absent.
//
// What each keeps, as observed: LibreOffice 7 keeps both stamps but makes
// the very hidden sheet merely hidden; openpyxl 3.0 keeps the very hidden
// sheet and drops the custom property.

const openpyxlResave = `
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
wb["汇总"]["B2"] = 95
wb.save(sys.argv[2])
`

func resaveLibreOffice(t *testing.T, in []byte) []byte {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("soffice not installed")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src", "staff.xlsx")
	os.Mkdir(filepath.Dir(src), 0o700)
	if err := os.WriteFile(src, in, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A profile of its own: a shared one is locked by any other soffice.
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", filepath.Join(dir, "out"), src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "staff.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func resaveOpenpyxl(t *testing.T, in []byte) []byte {
	if err := exec.Command("/usr/bin/python3", "-c", "import openpyxl").Run(); err != nil {
		t.Skip("openpyxl not installed")
	}
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in.xlsx"), filepath.Join(dir, "out.xlsx")
	if err := os.WriteFile(src, in, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("/usr/bin/python3", "-c", openpyxlResave, src, dst).CombinedOutput(); err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestResavedStillVerifies(t *testing.T) {
	k := testKey(t)
	for _, tc := range []struct {
		name    string
		fixture string
		resave  func(*testing.T, []byte) []byte
	}{
		{"LibreOffice", "libreoffice.xlsx", resaveLibreOffice},
		{"openpyxl", "openpyxl.xlsx", resaveOpenpyxl},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			check := func(t *testing.T, b []byte) {
				f := open(t, b)
				toks := Read(f)
				if _, err := k.Verify(f, 2021, KindReview); err != nil {
					t.Fatalf("%v (tokens read: %d)", err, len(toks))
				}
				p, err := xlsxpeek.Open(b)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := k.VerifyTokens(ReadPackage(p), 2021, KindReview); err != nil {
					t.Fatalf("read without excelize: %v", err)
				}
				t.Logf("%d distinct token(s) survived", len(toks))
			}
			t.Run("fixture", func(t *testing.T) {
				b, err := os.ReadFile(filepath.Join("testdata", tc.fixture))
				if err != nil {
					t.Fatal(err)
				}
				check(t, b)
			})
			t.Run("live", func(t *testing.T) {
				b := tc.resave(t, stamped(t, k, 2021, KindReview, "resave-1"))
				if os.Getenv("WBTOKEN_UPDATE") != "" {
					os.WriteFile(filepath.Join("testdata", tc.fixture), b, 0o644)
				}
				check(t, b)
				if !bytes.Contains(b, []byte("PK")) {
					t.Fatal("not a zip")
				}
			})
		})
	}
}
