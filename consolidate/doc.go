// Package consolidate builds the staff workbook of a campaign (汇总, 明细,
// 问题清单, 未提交, 名册外来件, one sheet per checking department, 统计), reads the staff's
// review back from an edited copy of it, and decides which reminders are due.
// It takes plain values prepared by the caller and does no I/O beyond the
// reader and writer it is given. It grades nobody: 等级 and 类内排名 are
// the final results' (package results), passed in through Input.Grades.
package consolidate
