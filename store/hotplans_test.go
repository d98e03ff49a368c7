package store

import (
	"strings"
	"testing"
)

// TestHotQueryPlans: every query made per message or per send is answered
// through an index, never a scan of a table, so that its cost follows the
// rows it is about and not the history in the data folder. Those marked
// covering are answered from the index alone, never reading a row (and so
// never a report's JSON or a mail's overflow pages); the due query reads
// only kind, stored before the mail.
func TestHotQueryPlans(t *testing.T) {
	t.Parallel()
	s := openTest(t, "", nil)
	msgsTail, msgsArgs := s.messagesWhere(MessageFilter{AfterID: 10})
	subsOfMsg, subsOfMsgArgs := s.submissionsWhere(SubmissionFilter{MessageID: 1})
	season, seasonArgs := s.submissionsWhere(SubmissionFilter{})
	for _, tc := range []struct {
		name, query string
		args        []any
		want        []string // plan details that must be there
	}{
		// The sender, before and after every send.
		{"daily cap", qSentAll, []any{StateSent, 0}, []string{"USING COVERING INDEX outbox_sent_at"}},
		{"share of a kind", qSentKind, []any{StateSent, 0, KindUnknownReply}, []string{"USING COVERING INDEX outbox_sent_at"}},
		{"per recipient, sent", qSentTo, []any{"a@x", StateSent, 0}, []string{"USING COVERING INDEX outbox_to_sent"}},
		{"oldest pending", qOldestQueued, []any{StatePending, KindUnknownReply}, []string{"USING COVERING INDEX outbox_state_created"}},
		{"due", qDueIDs, []any{StatePending, 0, 50}, []string{"USING INDEX outbox_due"}},
		// The pipeline, for every message.
		{"dedup (RecordMessage)", qDedup, []any{"<a@x>", "h"}, []string{"USING COVERING INDEX sqlite_autoindex_messages_1"}},
		{"per recipient, queued (QueuedCountSince)", qQueuedTo, []any{"a@x", 0}, []string{"USING COVERING INDEX outbox_to_created"}},
		{"message saved for (SaveResult)", qResultMessage, []any{1}, []string{"USING INTEGER PRIMARY KEY"}},
		{"next version (SaveResult)", qNextVersion, []any{2022, "朝阳区代办处"}, []string{"USING COVERING INDEX"}},
		{"current submission per agency", qCurrentCandidates, []any{2022}, []string{"USING COVERING INDEX submissions_current"}},
		// The campaign, after a batch: the staff notice's new messages and
		// their forms; the workbook reads the season's forms, reports
		// included, and no other season's.
		{"new messages (staff notice)", qMessages + msgsTail, msgsArgs, []string{"USING INDEX messages_season (season=? AND id>?)"}},
		{"forms of a message (staff notice)", qSubmissions + subsOfMsg, subsOfMsgArgs, []string{"USING INDEX submissions_message"}},
		{"the season's forms (workbook)", qSubmissions + season, seasonArgs, []string{"SEARCH s USING INDEX", "(season=?)"}},
		{"the season's assignments (workbook)", qAssignments, []any{2022}, []string{"USING COVERING INDEX", "(season=?)"}},
		{"the season's reviews (workbook)", qReviews, []any{2022}, []string{"SEARCH reviews USING PRIMARY KEY (season=?)"}},
		{"the season's vetoes (workbook)", qVetoes, []any{2022}, []string{"SEARCH vetoes USING PRIMARY KEY (season=?)"}},
		{"the season's reminders (every tick)", qReminders, []any{2022}, []string{"SEARCH reminders USING PRIMARY KEY (season=?)"}},
	} {
		rows, err := s.r.Query("EXPLAIN QUERY PLAN "+tc.query, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: plan %q; want %q", tc.name, all, w)
			}
		}
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN ") && d != "SCAN CONSTANT ROW" {
				t.Errorf("%s: plan %q scans", tc.name, all)
			}
		}
	}
}
