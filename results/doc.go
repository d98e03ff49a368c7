// Package results decides the season's final results (考核结果) after the
// office's review: every roster agency's final score, its grade within its
// type (区（开发区）and 局总公司/产业工会 apart), its rank, and its share of
// the 优秀个人 recommendations. It writes the results workbook (考核结果,
// 名额分配, 说明) the 主任办公会 decides on, and reads it back to store the
// approved (审定) version.
//
// Scores are not computed here: the final score is the 审核总分 the staff
// workbook shows (consolidate.Standings), and the staff workbook shows the
// grades and ranks decided here (campaign passes them in), so the two
// never disagree.
// Compute is pure; Write and ReadApproval work on readers and writers;
// Import is the one function that touches the store, for the command line
// and for a workbook mailed back.
//
// The rules, in the order they apply:
//
//  1. An agency that sent nothing, whose first form came after the
//     cut-off, or that staff vetoed (一票否决) is 不合格, unranked; so is
//     one whose forms could not be read (no score).
//  2. The others are ranked within their type by final score, highest
//     first. Ties are broken by the 业务拓展 subtotal (higher first), then
//     by the earlier first submission, then by name (character code
//     order), so that every rank is distinct and repeatable.
//  3. Grades come from the type's minimum scores ([results]
//     district_* / sector_*); a score below the 合格 minimum is 不合格.
//     When the type has a cap on 优秀, the 优秀 beyond it in rank order
//     are 良好.
//  4. The 优秀个人 quota (results.individual_quota) is shared among the
//     agencies not 不合格: every factor (final score, 参保人数, 覆盖率,
//     section subtotals) is normalised to a share of its sum, the shares
//     are weighted, the total is split by the combined share, every 优秀
//     agency is raised to results.min_per_excellent (the others giving
//     way in proportion), and the exact quotas are rounded by the
//     largest-remainder method, so that they add up to the total exactly.
//     Should the floors alone exceed the total, the total goes to the 优秀
//     agencies only, as evenly as it divides, the odd ones to the largest
//     combined shares; the 名额分配 sheet says so.
package results
