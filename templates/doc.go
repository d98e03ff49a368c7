// Package templates holds the assessment form as data: one embedded file per
// campaign year (form-2021.yaml) loaded into typed values, the writer of the
// blank 考核表 that agencies fill in, and the wording of emails and sheets.
// Next year's form is a new data file, not new code.
package templates
