package results

import (
	"bytes"
	"context"
	"fmt"

	"kaohe/internal/wbtoken"
	"kaohe/internal/xlsxpeek"
	"kaohe/pipeline"
	"kaohe/store"
)

// MailedWorkbook is the results workbook as a kind staff may mail back
// (pipeline.StaffWorkbook): approved (审定) by the rules of kaohe results
// import, saved with the mail that carried it, exactly once. season is the
// store's season; total is results.individual_quota.
func MailedWorkbook(st *store.Store, season, total int) pipeline.StaffWorkbook {
	return mailedBook{st: st, season: season, total: total}
}

type mailedBook struct {
	st            *store.Store
	season, total int
}

func (mailedBook) Kind() wbtoken.Kind { return wbtoken.KindResults }
func (mailedBook) Title() string      { return "考核结果表" }

// ImportWording: once approved the results are published, and the copy
// to approve is the one kaohe results -o wrote, not a summary mail's.
func (mailedBook) ImportWording() (next, latest string) {
	return "考核结果已审定。请运行 kaohe results publish 向各代办处发送考核结果通知。", "kaohe results -o 生成的文件"
}

// Recognise: 考核结果 and 名额分配, and a header row of 考核结果 (among its
// first five, as the import reads it) naming 考核单位, 等级 and 优秀个人名额.
func (mailedBook) Recognise(p *xlsxpeek.Package) bool {
	if !p.HasSheet(SheetResults) || !p.HasSheet(SheetQuota) {
		return false
	}
	rows, err := p.Rows(SheetResults, 5)
	if err != nil {
		return false
	}
	for _, r := range rows {
		if indexOf(r, ColAgency) >= 0 && indexOf(r, ColGrade) >= 0 && indexOf(r, ColQuota) >= 0 {
			return true
		}
	}
	return false
}

func (b mailedBook) Import(ctx context.Context, data []byte, in pipeline.StaffImportInput) (pipeline.StaffImport, error) {
	computed, _, err := b.st.ComputedResults(ctx)
	if err != nil {
		return pipeline.StaffImport{}, err
	}
	if len(computed) == 0 {
		return pipeline.StaffImport{Refused: []string{fmt.Sprintf("%d 年度尚未生成考核结果（kaohe results），无法审定。请先生成考核结果表，经主任办公会审定后再寄回。", b.season)}}, nil
	}
	approved, refused := ReadApproval(bytes.NewReader(data), ApprovalOptions{Season: b.season, Computed: computed, Total: b.total})
	if len(refused) > 0 {
		out := pipeline.StaffImport{}
		for _, r := range refused {
			out.Refused = append(out.Refused, r.Message)
		}
		return out, nil
	}
	rep := approvedReport(b.season, computed, approved, b.total)
	return pipeline.StaffImport{
		Effect:  store.ResultsApproval{Results: approved, Run: store.ResultsRun{By: in.Sender, Source: in.Source}},
		Summary: append([]string{rep.Summary}, rep.Changed...),
	}, nil
}
