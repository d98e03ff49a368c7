package assess

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"kaohe/scoring"
	"kaohe/templates"
	"kaohe/validate"
)

// Agency is who a submission belongs to, as the roster says.
type Agency struct {
	Name  string             // the roster's 考核单位
	Type  scoring.AgencyType // "" when the roster does not say
	Known bool               // found in the roster
	// Mismatch is set when the sender's roster agency differs from the
	// 考核单位 written on the sheet.
	Mismatch bool
}

// Options configure one check.
type Options struct {
	Validate validate.Options
	// Type forces the agency type (kaohe check --type); empty: ask Resolve,
	// else infer it from the unit name.
	Type scoring.AgencyType
	// Resolve finds the agency from the 考核单位 written on the sheet; nil
	// means no roster.
	Resolve func(unit string) Agency
	// Reader reads the workbook; nil is InProcess. The daemon passes a
	// sandbox pool's Read.
	Reader Reader
}

// Reader reads a workbook: InProcess, or a sandbox pool's Read. An error
// means the reader itself is unavailable (no worker could be started) or
// ctx ended, not that the workbook is bad: a bad workbook is findings.
type Reader func(ctx context.Context, data []byte, opts validate.Options) (*validate.Submission, []validate.Finding, error)

// InProcess is the Reader that runs validate.Read in this process; it
// never fails, and once started it is not interrupted.
func InProcess(_ context.Context, data []byte, opts validate.Options) (*validate.Submission, []validate.Finding, error) {
	sub, fs := validate.Read(data, opts)
	return sub, fs, nil
}

// Check reads, validates and scores one workbook. The error is the
// reader's: no report is made from a reading that did not happen.
func Check(ctx context.Context, data []byte, opts Options) (*Report, error) {
	form := opts.Validate.Form
	rep := &Report{File: opts.Validate.Filename, Form: strconv.Itoa(form.Year), Fields: map[string]any{}}
	read := opts.Reader
	if read == nil {
		read = InProcess
	}
	sub, findings, err := read(ctx, data, opts.Validate)
	if err != nil {
		return nil, err
	}
	rep.Findings = findings
	if sub == nil {
		rep.Status = StatusUnreadable
		sortFindings(rep.Findings)
		return rep, nil
	}
	rep.Submission = sub
	rep.Unit = sub.Fields["unit"].Raw
	rep.Fields = fieldValues(form, sub)

	typ, inferred := opts.Type, false
	if opts.Resolve != nil {
		ag := opts.Resolve(rep.Unit)
		rep.Agency = ag.Name
		if typ == "" {
			typ = ag.Type
		}
		if ag.Mismatch {
			f := validate.NewFinding(validate.CodeUnitMismatch, fmt.Sprintf(
				"表中考核单位写的是“%s”，但发件邮箱登记的是“%s”。本表已按“%s”登记；如填错了单位名称，请改正后重新发送，如确为代其他单位报送，请告知办事处。",
				rep.Unit, ag.Name, ag.Name))
			f.Field = "unit"
			f.Sheet, f.Cell = sub.Fields["unit"].Sheet, sub.Fields["unit"].Cell
			rep.Findings = append(rep.Findings, f)
		}
	}
	if typ == "" {
		typ, inferred = scoring.InferAgencyType(rep.Unit), true
	}
	res := scoring.Score(form, sub, scoring.Options{Type: typ, TypeInferred: inferred, NoRoster: opts.Resolve == nil})
	rep.AgencyType = res.Type
	rep.Findings = append(rep.Findings, res.Findings...)
	for _, is := range res.Indicators {
		rep.Indicators = append(rep.Indicators, IndicatorResult{
			ID: is.ID, Section: is.Section, Cell: is.Cell, Self: is.Self, Verified: is.Verified, Cap: is.Cap,
		})
	}
	for _, s := range res.Sections {
		rep.Sections = append(rep.Sections, SectionResult{ID: s.ID, Name: s.Name, Self: s.Self, Verified: s.Verified, Cap: s.Cap})
	}
	rep.SelfTotal, rep.VerifiedTotal = res.SelfTotal, res.VerifiedTotal
	sortFindings(rep.Findings)
	rep.Status = statusOf(rep.Findings)
	return rep, nil
}

func fileLevel(fs []validate.Finding) bool {
	for _, f := range fs {
		if f.Code.FileLevel() {
			return true
		}
	}
	return false
}

func statusOf(fs []validate.Finding) Status {
	if fileLevel(fs) {
		return StatusUnreadable
	}
	for _, f := range fs {
		if f.Severity == validate.SeverityError {
			return StatusNeedsFix
		}
	}
	return StatusAccepted
}

// sortFindings puts errors first, then warnings, then notes, keeping the
// sheet's order within each severity.
func sortFindings(fs []validate.Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity.Rank() < fs[j].Severity.Rank() })
}

// fieldValues gives each field its natural JSON value: numbers for counts
// and percents, 2006-01-02 for dates, true/false for seals and signatures,
// text otherwise, and nil when blank or unreadable.
func fieldValues(form *templates.Form, sub *validate.Submission) map[string]any {
	out := map[string]any{}
	for _, fd := range form.Fields {
		fv := sub.Fields[fd.ID]
		switch {
		case fd.Kind == templates.KindSign:
			out[fd.ID] = fv.Present
		case fv.IsDate:
			out[fd.ID] = fv.Date.Format("2006-01-02")
		case fv.IsNumber:
			out[fd.ID] = fv.Number
		case fv.Present:
			out[fd.ID] = fv.Raw
		default:
			out[fd.ID] = nil
		}
	}
	return out
}
