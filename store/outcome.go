package store

// Outcome is what became of an incoming message, as stored, counted and
// shown to staff. It is a closed set: every value is declared here.
type Outcome string

// Outcomes of a message.
const (
	OutcomeReceived      Outcome = "received"       // recorded, no result yet
	OutcomeProcessed     Outcome = "processed"      // forms checked, receipt queued
	OutcomeNoForm        Outcome = "no_form"        // no workbook attached; the receipt says so
	OutcomeAutomated     Outcome = "automated"      // an auto-reply, bounce or list mail: no answer
	OutcomeUnknownSender Outcome = "unknown_sender" // not on the roster; short reply or none, staff told
	OutcomeForeign       Outcome = "foreign"        // a form naming a roster agency from an address not registered for it: held for staff (名册外来件)
	OutcomeNoSender      Outcome = "no_sender"      // no usable From address: no reply is possible, staff told
	OutcomeTooLarge      Outcome = "too_large"      // above the size limit, not fetched
	OutcomeUnparseable   Outcome = "unparseable"    // not a mail at all; kept in the archive
	OutcomeRateLimited   Outcome = "rate_limited"   // checked, but the sender had too many replies this hour
	OutcomeQuarantined   Outcome = "quarantined"    // failed too often for reasons of its own; kept for staff

	// A staff workbook mailed back (pipeline.StaffWorkbook).
	OutcomeStaffImported  Outcome = "staff_imported"  // imported, the 导入 reply queued
	OutcomeStaffRefused   Outcome = "staff_refused"   // from staff with a valid token, but cells refused: nothing imported, the reply lists them
	OutcomeStaffUntrusted Outcome = "staff_untrusted" // not from staff, failing authentication, or without a valid token: nothing imported, staff told
)

// Staff reports whether the outcome is of a staff workbook mailed back.
func (o Outcome) Staff() bool {
	return o == OutcomeStaffImported || o == OutcomeStaffRefused || o == OutcomeStaffUntrusted
}
