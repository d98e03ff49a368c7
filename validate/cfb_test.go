package validate

import (
	"os"
	"path/filepath"
	"testing"

	"kaohe/mailparse"
)

// TestCompoundFilesAgree: the mail walker and the reader judge every
// compound file alike, so that an encrypted form is never answered as a
// legacy one or the other way round.
func TestCompoundFilesAgree(t *testing.T) {
	t.Parallel()
	want := map[mailparse.AttachmentKind]Code{
		mailparse.KindEncrypted: CodeEncryptedFile,
		mailparse.KindLegacy:    CodeLegacyFormat,
	}
	for _, path := range []string{
		"testdata/encrypted.xlsx", "testdata/legacy.xls",
		"../mailparse/testdata/encrypted.xlsx", "../mailparse/testdata/legacy.xls",
	} {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			kind := mailparse.DetectKind(data, filepath.Base(path))
			code, ok := want[kind]
			if !ok {
				t.Fatalf("mailparse: %q, want encrypted or legacy", kind)
			}
			_, fs := Read(data, opts2021())
			if len(fs) != 1 || fs[0].Code != code {
				t.Errorf("mailparse says %q, validate %+v; want %s", kind, fs, code)
			}
		})
	}
}
