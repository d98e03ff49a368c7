package validate

// Codes of the 推荐表 (package recommend). missing_field and invalid_field
// are shared with the 考核表; these are the recommendation's own.
const (
	// CodeOverQuota: more persons than the agency's quota of 优秀个人.
	CodeOverQuota Code = "over_quota"
	// CodePublicityTooShort: the 公示 lasted fewer working days than
	// results.publicity_days.
	CodePublicityTooShort Code = "publicity_too_short"
	// CodePublicityNotFinished: the 公示 had not ended before the mail
	// arrived.
	CodePublicityNotFinished Code = "publicity_not_finished"
	// CodeTooLong: a 主要事迹 longer than the form allows, counted in 字.
	CodeTooLong Code = "too_long"
	// CodeNotEligible: a 不合格 agency proposing itself as 优秀单位.
	CodeNotEligible Code = "not_eligible"
	// CodeDuplicatePerson: the same person (name and 出生年月) recommended
	// by more than one agency; for staff to settle.
	CodeDuplicatePerson Code = "duplicate_person"
	// CodeLate: the 推荐表 arrived at or after results.recommend_cutoff.
	CodeLate Code = "late"
)

// recommendLabels name the 推荐表's own codes, as codeLabels the rest.
var recommendLabels = map[Code]string{
	CodeOverQuota:            "超出名额",
	CodePublicityTooShort:    "公示时间不足",
	CodePublicityNotFinished: "公示未结束",
	CodeTooLong:              "事迹超字数",
	CodeNotEligible:          "不具备推荐资格",
	CodeDuplicatePerson:      "重复推荐",
	CodeLate:                 "逾期报送",
}
