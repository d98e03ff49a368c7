// Package demo writes a realistic campaign of agency mail for `kaohe demo`
// and its test: a roster of fictional agencies and the mail they send over
// December 2021 and January 2022 — correct forms, forms with each kind of
// problem, a fixed resubmission, a late form, an .xls, a question without
// attachment, a GBK Foxmail mail, a forwarded form, an auto-reply and a
// stranger. It only builds bytes; the caller delivers them.
package demo
