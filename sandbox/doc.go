// Package sandbox reads workbooks in a worker process (the same binary,
// re-executed) under memory, CPU-time and wall-clock limits, because some
// failures of a spreadsheet parser on crafted input (a stack overflow, an
// allocation sized by a forged row number) cannot be recovered in-process.
// A worker that dies fails only the workbook it was reading.
package sandbox
