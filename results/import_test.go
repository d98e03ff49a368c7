package results

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kaohe/store"
)

// importEnv is a store holding demoSeason's computed results, and the
// workbook exported from them.
type importEnv struct {
	st   *store.Store
	o    *Outcome
	book []byte
}

func newImportEnv(t *testing.T) *importEnv {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{Season: 2021})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	o := demoSeason(t)
	if err := st.SaveComputedResults(context.Background(), o.Results, store.ResultsRun{By: "test"}); err != nil {
		t.Fatal(err)
	}
	book, _ := writeBook(t, o, WriteOptions{})
	return &importEnv{st: st, o: o, book: book}
}

// edit changes cells of 考核结果, addressed by agency and column header.
func (e *importEnv) edit(t *testing.T, fn func(set func(agency, header string, v any), f *excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(e.book))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(SheetResults)
	set := func(agency, header string, v any) {
		for r, row := range rows {
			if len(row) > 2 && row[2] == agency {
				for c, h := range rows[0] {
					if h == header {
						cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
						if err := f.SetCellValue(SheetResults, cell, v); err != nil {
							t.Fatal(err)
						}
						return
					}
				}
			}
		}
		t.Fatalf("no cell %s/%s", agency, header)
	}
	fn(set, f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (e *importEnv) quota(agency string) int {
	for _, r := range e.o.Results {
		if r.Agency == agency {
			return r.Quota
		}
	}
	return -1
}

func TestImportApproves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newImportEnv(t)
	// The meeting makes 西城 优秀 and moves one 优秀个人 from 东城 to it.
	book := e.edit(t, func(set func(string, string, any), _ *excelize.File) {
		set("西城区代办处", ColGrade, "优秀")
		set("西城区代办处", ColQuota, e.quota("西城区代办处")+1)
		set("东城区代办处", ColQuota, e.quota("东城区代办处")-1)
	})
	rep, err := Import(ctx, e.st, 2021, book, ImportOptions{Source: "考核结果.xlsx", By: "wangming", Total: 10})
	if err != nil || len(rep.Refused) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Refused)
	}
	if len(rep.Changed) != 2 || !strings.Contains(rep.Summary, "已审定 2021 年度考核结果：8 个单位") {
		t.Errorf("report: %+v", rep)
	}
	rs, err := e.st.FinalResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := byAgency(rs)
	if w := got["西城区代办处"]; !w.Approved || w.Grade != store.GradeExcellent || w.Quota != e.quota("西城区代办处")+1 || w.ApprovedBy != "wangming" {
		t.Errorf("西城 after approval: %+v", w)
	}
	// The rest is as computed: scores and notes come from the store, not
	// from the workbook.
	if w := got["西城区代办处"]; w.Final != 75 || len(w.Notes) != 2 {
		t.Errorf("西城 lost its scores or notes: %+v", w)
	}
	// The unchanged workbook imports as well: approving the computation.
	rep, err = Import(ctx, e.st, 2021, e.book, ImportOptions{Source: "again.xlsx", Total: 10})
	if err != nil || len(rep.Refused) > 0 || len(rep.Changed) != 0 {
		t.Fatalf("unchanged workbook: %v %+v", err, rep)
	}
}

func TestImportAllOrNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(e *importEnv, set func(string, string, any), f *excelize.File)
		want []string // each must be in some refusal
	}{
		{"invalid grade", func(e *importEnv, set func(string, string, any), _ *excelize.File) {
			set("西城区代办处", ColGrade, "很好")
		}, []string{"考核结果!L3：“西城区代办处”的等级“很好”不对"}},
		{"negative and fractional quotas", func(e *importEnv, set func(string, string, any), _ *excelize.File) {
			set("西城区代办处", ColQuota, -1)
			set("朝阳区代办处", ColQuota, 1.5)
		}, []string{"考核结果!M3：“西城区代办处”的名额“-1”不对", "考核结果!M4：“朝阳区代办处”的名额“1.5”不对"}},
		{"quotas no longer add up", func(e *importEnv, set func(string, string, any), _ *excelize.File) {
			set("东城区代办处", ColQuota, e.quota("东城区代办处")+1)
		}, []string{"考核结果!M2:M9：各单位优秀个人名额相加为 11，应等于名额总数 10"}},
		{"不合格 with a quota", func(e *importEnv, set func(string, string, any), _ *excelize.File) {
			set("朝阳区代办处", ColGrade, "不合格")
		}, []string{fmt.Sprintf("“朝阳区代办处”的等级是不合格，名额应为 0，现为 %d", e0(t).quota("朝阳区代办处"))}},
		{"late agency lifted", func(e *importEnv, set func(string, string, any), _ *excelize.File) {
			set("海淀区代办处", ColGrade, "优秀")
		}, []string{"考核结果!L5：“海淀区代办处”的状态是“逾期”，按通知视为考核成绩不合格"}},
		{"agency renamed", func(e *importEnv, set func(string, string, any), _ *excelize.File) {
			set("朝阳区代办处", ColAgency, "朝阳区工会代办处")
		}, []string{"考核结果!C4：“朝阳区工会代办处”不在导出的考核结果中", "缺少 1 个单位：朝阳区代办处"}},
		{"agency twice", func(e *importEnv, set func(string, string, any), _ *excelize.File) {
			set("朝阳区代办处", ColAgency, "西城区代办处")
		}, []string{"考核结果!C4：“西城区代办处”出现了两次（另一次在 C3）"}},
		{"row deleted", func(e *importEnv, _ func(string, string, any), f *excelize.File) {
			if err := f.RemoveRow(SheetResults, 3); err != nil {
				panic(err)
			}
		}, []string{"考核结果表缺少 1 个单位：西城区代办处"}},
		{"another season", func(e *importEnv, _ func(string, string, any), f *excelize.File) {
			_ = f.SetCustomProps(excelize.CustomProperty{Name: SeasonProperty, Value: int32(2020)})
		}, []string{"这是 2020 年度的考核结果表，本届是 2021 年度"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newImportEnv(t)
			// A valid change beside the bad one must not be taken either.
			book := e.edit(t, func(set func(string, string, any), f *excelize.File) {
				set("市教育工会代办处", ColGrade, "合格")
				tc.edit(e, set, f)
			})
			rep, err := Import(ctx, e.st, 2021, book, ImportOptions{Total: 10})
			if err != nil {
				t.Fatal(err)
			}
			all := rep.Summary
			for _, r := range rep.Refused {
				all += "\n" + r.Message
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("refusals lack %q:\n%s", w, all)
				}
			}
			if len(rep.Refused) == 0 || !strings.Contains(rep.Summary, "全部未导入") {
				t.Errorf("summary %q", rep.Summary)
			}
			if _, ok, _ := e.st.ResultsApproval(ctx); ok {
				t.Error("a refused workbook was approved")
			}
			rs, _ := e.st.FinalResults(ctx)
			if g := byAgency(rs)["市教育工会代办处"]; g.Grade != store.GradeGood || g.Approved {
				t.Errorf("the valid change was taken: %+v", g)
			}
		})
	}
}

// e0 is the demo season's outcome, for expectations computed from it.
func e0(t *testing.T) *importEnv { return &importEnv{o: demoSeason(t)} }

func TestImportBeforeComputing(t *testing.T) {
	t.Parallel()
	st, err := store.Open(t.TempDir(), store.Options{Season: 2021})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	book, _ := writeBook(t, demoSeason(t), WriteOptions{})
	rep, err := Import(context.Background(), st, 2021, book, ImportOptions{Total: 10})
	if !errors.Is(err, ErrNotComputed) || !strings.Contains(rep.Summary, "尚未生成考核结果") {
		t.Fatalf("%v %q", err, rep.Summary)
	}
}

func TestImportNotAWorkbook(t *testing.T) {
	t.Parallel()
	e := newImportEnv(t)
	rep, err := Import(context.Background(), e.st, 2021, []byte("PK\x03\x04 not really"), ImportOptions{Total: 10})
	if err != nil || len(rep.Refused) != 1 || !strings.Contains(rep.Refused[0].Message, "无法打开考核结果表") {
		t.Fatalf("%v %+v", err, rep)
	}
}
