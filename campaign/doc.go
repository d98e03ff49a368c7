// Package campaign runs the parts of the assessment that are not one
// incoming mail: the consolidated staff workbook after every batch, the
// batched staff notices, the daily summary mail, the one after the cut-off,
// and the deadline reminders to agencies that have not submitted.
package campaign
