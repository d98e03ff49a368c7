// Package validate reads a filled 考核表 from an .xlsx workbook into a
// Submission, locating every field and indicator by its labels, and reports
// every problem the form's rules can see as a Finding with a Chinese message.
// It is pure: bytes in, values out, no clock and no I/O beyond its reader.
package validate
