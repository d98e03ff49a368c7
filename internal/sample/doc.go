// Package sample makes filled-in assessment forms for tests and the demo:
// coherent, correct forms (Good), named ways to spoil them (Problems), the
// workbook bytes of any of them (Workbook), and fictional agencies
// (RandomAgencies). Everything is deterministic for a given input.
package sample
