// Package scoring turns a read Submission into verified scores: each
// indicator's self-score checked against the rubric, the derived indicators
// recomputed from the basic figures, section subtotals and the total.
// It knows nothing of mail, storage or Excel.
package scoring
