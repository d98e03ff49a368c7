package reply

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"kaohe/internal/display"
	"kaohe/validate"
)

// AttachRecommend is a returned 推荐表 that was checked: Attachment.Recommend
// is set.
const AttachRecommend AttachmentKind = "recommend"

// Recommendation is the check of one 推荐表, as the agency's receipt tells
// it. Everything in it comes from the agency's own form or from the office:
// a receipt never names another agency's persons.
type Recommendation struct {
	Unit         string   // 推荐单位 as written
	ProposesUnit bool     // the unit is proposed as 优秀单位
	Persons      []string // the names of the person rows, in order, as written
	Quota        int      // the agency's quota of 优秀个人, when QuotaKnown
	QuotaKnown   bool     // false before results give the agency a quota
	OnTime       bool     // received before Cutoff
	Cutoff       time.Time
	Findings     []RecommendFinding
	// Annotated is the agency's form with the findings marked; nil when
	// there is nothing to mark or it could not be made.
	Annotated []byte
}

// RecommendFinding is one finding of a 推荐表 with the words the form uses
// for the field or column it is about.
type RecommendFinding struct {
	validate.Finding
	Item string // e.g. 公示起止日期, 第2行 出生年月; "" is 整张表
}

// RecommendView is one checked 推荐表 in the receipt.
type RecommendView struct {
	Index        int
	File         string
	Status       string // 通过/需修改
	Accepted     bool
	Unit         string
	ProposesUnit bool
	PersonCount  int
	Persons      string // 张三、李四
	QuotaKnown   bool
	Quota        int
	Errors       int
	Warnings     int
	Infos        int
	Guide        string
	Rows         []RowView
	Annotated    string // the name of the annotated copy attached; "" when none
}

// recommendView is the view of one 推荐表 and its annotated copy, if any.
func recommendView(index int, file string, r *Recommendation) (RecommendView, *attachment) {
	v := RecommendView{Index: index, File: display.Defang(file), Unit: display.Untrusted(r.Unit, maxNameRunes),
		ProposesUnit: r.ProposesUnit, PersonCount: len(r.Persons), QuotaKnown: r.QuotaKnown, Quota: r.Quota}
	names := make([]string, 0, len(r.Persons))
	for _, p := range r.Persons {
		if p = display.Untrusted(p, maxNameRunes); p != "" {
			names = append(names, p)
		}
	}
	v.Persons = strings.Join(names, "、")
	findings := slices.Clone(r.Findings)
	slices.SortStableFunc(findings, func(a, b RecommendFinding) int { return a.Severity.Rank() - b.Severity.Rank() })
	for _, f := range findings {
		switch f.Severity {
		case validate.SeverityError:
			v.Errors++
		case validate.SeverityWarning:
			v.Warnings++
		default:
			v.Infos++
		}
		item := display.Clean(f.Item, 40)
		if item == "" {
			item = "整张表"
		}
		v.Rows = append(v.Rows, RowView{
			Severity: f.Severity.Label(), Level: string(f.Severity), Item: item, Cell: display.Clean(f.Cell, 16),
			Message: display.Untrusted(display.StripCellPrefix(f.Message, f.Cell), display.MaxTextRunes),
		})
	}
	v.Accepted = v.Errors == 0
	v.Status = "通过"
	if !v.Accepted {
		v.Status = "需修改"
	}
	var guide []string
	for _, g := range []struct {
		n    int
		text string
	}{{v.Errors, "错误必须改正"}, {v.Warnings, "提醒请核实"}, {v.Infos, "说明不需要处理"}} {
		if g.n > 0 {
			guide = append(guide, g.text)
		}
	}
	if len(guide) > 0 {
		v.Guide = strings.Join(guide, "，") + "。"
	}
	if len(r.Annotated) == 0 {
		return v, nil
	}
	v.Annotated = annotatedName(file)
	return v, &attachment{name: v.Annotated, contentType: xlsxType, data: r.Annotated}
}

// recommendStatus is the verdict on the 推荐表 of a mail and its wording: a
// late one is 逾期 first, as for the 考核表.
func recommendStatus(views []RecommendView, onTime bool) (ReceiptStatus, string) {
	st := ReceiptAccepted
	for _, v := range views {
		if !v.Accepted {
			st = ReceiptNeedsFix
		}
	}
	return st, st.Label(onTime)
}

// recommendSubject is the receipt's subject when the mail held a 推荐表:
// it says which forms it answers.
func recommendSubject(subj string, withForms bool) string {
	if withForms {
		return "考核表、推荐表 回执：" + subj
	}
	return "推荐表 回执：" + subj
}

// recommendNote is the line of the attachment list for a 推荐表.
func recommendNote(index int) string {
	return fmt.Sprintf("推荐表，已核对，结果见下文【%d】。", index)
}
