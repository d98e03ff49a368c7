// Package roster reads the list of agencies the office's staff keep (CSV in
// UTF-8 or GBK, or an xlsx workbook) and answers which agency a message
// belongs to: by its sender address first, by the 考核单位 on the form second.
// Bad rows are reported as problems while the rest of the roster still loads.
package roster
