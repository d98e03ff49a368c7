// Package formdef helps the office write a new year's form definition
// without a programmer: Check lints a definition and proves it by writing
// its blank form and reading it back; Draft writes a first definition from
// the office's own blank workbook. Both speak Chinese with line numbers,
// for `kaohe form check` and `kaohe form draft`.
package formdef
