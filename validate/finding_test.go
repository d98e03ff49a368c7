package validate

import "testing"

func TestEveryCodeHasALabelAndSeverity(t *testing.T) {
	codes := []Code{CodeUnreadableFile, CodeEncryptedFile, CodeLegacyFormat, CodeFormNotFound, CodeWrongYear,
		CodeIndicatorNotFound, CodeCapAltered, CodeMissingScore, CodeNotANumber, CodeNegativeScore, CodeScoreAboveCap,
		CodeScoreNotAllowed, CodeScoreNotEligible, CodeScoreInconsistent, CodeTotalMismatch, CodeMissingField,
		CodeInvalidField, CodeInconsistentCounts, CodeCoverageMismatch, CodeActivityCountMismatch, CodeDateSuspicious,
		CodeFormulaError, CodeNormalizedValue, CodeTypeInferred, CodeUnitMismatch, CodeSheetsIgnored}
	if len(codes) != len(codeLabels) {
		t.Errorf("%d codes, %d labels", len(codes), len(codeLabels))
	}
	recommend := []Code{CodeOverQuota, CodePublicityTooShort, CodePublicityNotFinished, CodeTooLong,
		CodeNotEligible, CodeDuplicatePerson, CodeLate}
	if len(recommend) != len(recommendLabels) {
		t.Errorf("%d codes of the 推荐表, %d labels", len(recommend), len(recommendLabels))
	}
	codes = append(codes, recommend...)
	want := map[Code]Severity{CodeDuplicatePerson: SeverityWarning, CodeLate: SeverityWarning, CodeTotalMismatch: SeverityWarning, CodeCoverageMismatch: SeverityWarning,
		CodeActivityCountMismatch: SeverityWarning, CodeDateSuspicious: SeverityWarning, CodeUnitMismatch: SeverityWarning,
		CodeNormalizedValue: SeverityInfo, CodeTypeInferred: SeverityInfo, CodeSheetsIgnored: SeverityInfo}
	for _, c := range codes {
		if c.Label() == string(c) {
			t.Errorf("%s has no Chinese label", c)
		}
		sev, ok := want[c]
		if !ok {
			sev = SeverityError
		}
		if c.Severity() != sev {
			t.Errorf("%s severity %s, spec says %s", c, c.Severity(), sev)
		}
	}
}
