package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"kaohe/campaign"
	"kaohe/demo"
	"kaohe/internal/mailserver"
	"kaohe/internal/sample"
	"kaohe/mailparse"
	"kaohe/recommend"
)

// playRecommendations plays the recommendations after the results are
// published: three agencies mail back the 推荐表 their notice attached
// (receipts with findings and annotated copies go back), the
// recommendations' cut-off passes, staff mail the staff workbook with the
// 主任办公会's decisions in 推荐名单 (imported, answered 导入), and the final
// lists go out as `kaohe results final` sends them.
// It returns the agencies' 推荐表 mails.
func playRecommendations(ctx context.Context, d *daemon, srv *mailserver.Server, clock *demoClock, sc *demo.Scenario, dataDir string, w io.Writer) ([]demo.Mail, error) {
	fmt.Fprintln(w, "▶ 推荐：推荐表、主任办公会决定、确定名单反馈")
	def, err := recommend.Load(d.form.Year)
	if err != nil {
		return nil, err
	}
	notices, err := recommendBlanks(srv.Deliveries())
	if err != nil {
		return nil, err
	}
	agencies := map[string]sample.Agency{}
	for _, a := range sc.Agencies {
		agencies[a.Name] = a
	}
	first := 0
	var sent []demo.Mail
	for _, r := range sc.Recommendations {
		a := agencies[r.Agency]
		n, ok := notices[a.Email]
		if !ok {
			return nil, fmt.Errorf("%s: no result notice with a 推荐表", r.Agency)
		}
		rf, next, err := demo.RecommendForm(r, n.quota, first)
		if err != nil {
			return nil, err
		}
		first = next
		data, err := demo.FillRecommendation(def, n.blank, n.quota, rf)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Agency, err)
		}
		raw, err := demo.RecommendLetter(a, r, n.filename, data)
		if err != nil {
			return nil, err
		}
		m := demo.Mail{Raw: raw, At: r.At, From: a.Email, Agency: a.Name, What: fmt.Sprintf("%s（名额 %d）", r.What, n.quota), Answered: true}
		if err := handleMail(ctx, d, srv, clock, m, a.Name, w); err != nil {
			return nil, err
		}
		sent = append(sent, m)
	}
	// The daemon's round just after the cut-off writes the staff workbook
	// with every proposal, which staff take from the data folder.
	after := sc.RecommendCutoff.Add(5 * time.Minute)
	clock.Set(after)
	fmt.Fprintf(w, "    %s  定时任务：推荐表报送截止后更新汇总表（推荐名单、未推荐单位）\n", after.Format("01-02 15:04"))
	if err := d.once(ctx); err != nil {
		return nil, err
	}
	if err := mailDecisions(ctx, d, srv, clock, sc, dataDir, w); err != nil {
		return nil, fmt.Errorf("decisions: %w", err)
	}
	return sent, sendDemoFinalLists(ctx, d, clock, sc, w)
}

// noticeBlank is the 推荐表 a result notice attached, and the quota the
// notice states.
type noticeBlank struct {
	blank    []byte
	filename string
	quota    int
}

var quotaLine = regexp.MustCompile(`可推荐优秀个人 (\d+) 名`)

// recommendBlanks are the 推荐表 the result notices attached, by the
// agency's address, as each agency reads its notice.
func recommendBlanks(ds []mailserver.Delivery) (map[string]noticeBlank, error) {
	out := map[string]noticeBlank{}
	for _, dl := range ds {
		p, err := mailparse.Parse(dl.Raw, mailparse.Limits{})
		if err != nil || p.InReplyTo != "" || !strings.Contains(p.Subject, "考核结果") || len(dl.To) != 1 {
			continue
		}
		for _, a := range p.Attachments {
			if a.Kind != mailparse.KindXLSX || !strings.Contains(a.Filename, "推荐表") {
				continue
			}
			n := noticeBlank{blank: a.Data, filename: a.Filename}
			if m := quotaLine.FindStringSubmatch(p.Text); m != nil {
				n.quota, _ = strconv.Atoi(m[1])
			}
			out[dl.To[0]] = n
		}
	}
	return out, nil
}

// mailDecisions is the staff member's mail with the staff workbook of the
// data folder, the 主任办公会's decisions filled into its 推荐名单, handled
// as the daemon handles any mail.
func mailDecisions(ctx context.Context, d *daemon, srv *mailserver.Server, clock *demoClock, sc *demo.Scenario, dataDir string, w io.Writer) error {
	wb, err := os.ReadFile(campaign.WorkbookPath(dataDir))
	if err != nil {
		return fmt.Errorf("staff workbook: %w", err)
	}
	filled, what, err := demo.FillDecisions(wb)
	if err != nil {
		return err
	}
	raw, err := demo.StaffDecisions(filled, sc.DecideAt)
	if err != nil {
		return err
	}
	m := demo.Mail{Raw: raw, At: sc.DecideAt, From: demo.Staff, What: "寄回填好主任办公会决定的推荐名单（" + what + "）"}
	if err := handleMail(ctx, d, srv, clock, m, staffWho, w); err != nil {
		return err
	}
	rec, err := d.campaign.Recommendations(ctx)
	if err != nil {
		return err
	}
	if len(rec.Decisions) == 0 {
		return fmt.Errorf("the mailed decisions were not imported")
	}
	return nil
}

// sendDemoFinalLists sends the final lists as `kaohe results final` does,
// with the daemon's settings and store, and lets the daemon's outbox send
// them.
func sendDemoFinalLists(ctx context.Context, d *daemon, clock *demoClock, sc *demo.Scenario, w io.Writer) error {
	return runDemoResultsStep(ctx, d, clock, sc.FinalAt, "final", finalWith, w)
}
