package reply

import (
	"strings"
	"testing"
)

// The receipt of a quarantined message proves arrival and timeliness and
// says staff will look at it, in words a clerk understands.
func TestComposeQuarantined(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		onTime bool
		want   []string
	}{
		{"on time", true, []string{"2022年1月4日 15:30", "是否按期：按期", "按期报送的凭证", "人工查看", "不需要重新发送"}},
		{"late", false, []string{"是否按期：逾期", "截止时间之后收到", "人工查看"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testIncoming(t)
			in.OnTime = tc.onTime
			in.Attachments = nil
			m, err := ComposeQuarantined(in, testOptions())
			if err != nil {
				t.Fatal(err)
			}
			pm := parseMail(t, m.Raw)
			text := pm.text
			if pm.h.Get("Auto-Submitted") != "auto-replied" || pm.h.Get("In-Reply-To") == "" || len(pm.atts) != 0 {
				t.Error("the receipt lacks Auto-Submitted or In-Reply-To, or carries attachments")
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("receipt lacks %q:\n%s", w, text)
				}
			}
			for _, tech := range []string{"quarantin", "panic", "error", "隔离", "异常"} {
				if strings.Contains(strings.ToLower(text), tech) {
					t.Errorf("receipt speaks of %q:\n%s", tech, text)
				}
			}
			if m.To != in.To || !strings.Contains(m.MessageID, KindQuarantined) || !strings.HasPrefix(m.Subject, "回执：") {
				t.Errorf("to %s, id %s, subject %s", m.To, m.MessageID, m.Subject)
			}
			again, _ := ComposeQuarantined(in, testOptions())
			if string(again.Raw) != string(m.Raw) {
				t.Error("composing twice gave different bytes")
			}
		})
	}
}
