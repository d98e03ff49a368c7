// Package demo writes a realistic campaign of agency mail for `kaohe demo`
// and its test: a roster of fictional agencies and the mail they send over
// December 2021 and January 2022 — correct forms, forms with each kind of
// problem, a fixed resubmission, a late form, an .xls, a question without
// attachment, a GBK Foxmail mail, a forwarded form, an auto-reply and a
// stranger. After the deadline it writes what staff mail back (the
// reviewed staff workbook, the approved results, the 主任办公会's decisions
// on the recommendations) and the agencies' 推荐表, filled into the blank
// their result notice attached. It only builds bytes; the caller delivers
// them.
package demo
