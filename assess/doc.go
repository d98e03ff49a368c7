// Package assess is the whole check of one workbook: validate reads it,
// scoring verifies it, and the Report that results is what `kaohe check`
// prints, the store keeps, replies explain and the staff workbook sums up.
package assess
