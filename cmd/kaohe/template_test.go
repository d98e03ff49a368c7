package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/recommend"
)

func TestTemplateCommandWritesTheRecommendationForm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "推荐表.xlsx")
	var stdout, stderr bytes.Buffer
	args := []string{"template", "--form", "recommend", "--agency", "丰台区代办处", "--persons", "3", "-o", out}
	if code := run(context.Background(), args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "已生成空白推荐表") {
		t.Errorf("stdout %q", stdout.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	f, fs := recommend.Read(data, recommend.ReadOptions{})
	if f == nil || f.Agency() != "丰台区代办处" {
		t.Fatalf("read back: %+v %+v", f, fs)
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	l := recommend.BlankLayout(recommend.MustLoad(2021), recommend.BlankOptions{Persons: 3, Quota: true})
	last := l.PersonRows[len(l.PersonRows)-1]
	if n, _ := x.GetCellValue(recommend.SheetName, fmt.Sprintf("A%d", last)); n != "3" {
		t.Errorf("the last person row is numbered %q, want 3", n)
	}
	if h, _ := x.GetCellValue(recommend.SheetName, fmt.Sprintf("A%d", last+1)); h != "三、公示情况" {
		t.Errorf("after three person rows comes %q", h)
	}
	// The 考核表 is still the default, and the recommendation's flags are
	// refused with it; an unknown form or year is refused.
	for _, bad := range [][]string{
		{"template", "--agency", "丰台区代办处", "-o", filepath.Join(dir, "a.xlsx")},
		{"template", "--form", "award", "-o", filepath.Join(dir, "b.xlsx")},
		{"template", "--form", "recommend", "--year", "1999", "-o", filepath.Join(dir, "c.xlsx")},
		{"template", "--form", "recommend", "--persons", "500", "-o", filepath.Join(dir, "d.xlsx")},
		{"template", "--form", "recommend", "--form-file", "x.yaml", "-o", filepath.Join(dir, "e.xlsx")},
	} {
		stderr.Reset()
		if code := run(context.Background(), bad, &stdout, &stderr); code != exitBad || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", bad, code, stderr.String())
		}
	}
	if code := run(context.Background(), []string{"template", "-o", filepath.Join(dir, "考核表.xlsx")}, &stdout, &stderr); code != exitOK {
		t.Errorf("the 考核表: exit %d", code)
	}
	if recommend.Recognise(mustRead(t, filepath.Join(dir, "考核表.xlsx"))) {
		t.Error("the 考核表 is recognised as a 推荐表")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
