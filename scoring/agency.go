package scoring

import "strings"

// AgencyType decides which derivation rules apply (4.1 and 4.6 in 2021,
// spec section 4); its values are the keys of a form's per-type rules.
type AgencyType string

const (
	District AgencyType = "district" // 区、开发区
	Sector   AgencyType = "sector"   // 局总公司、产业工会
)

// Label is the type in Chinese.
func (t AgencyType) Label() string {
	switch t {
	case District:
		return "区（开发区）"
	case Sector:
		return "局总公司/产业工会"
	}
	return "未知"
}

// ParseAgencyType reads a roster's 类型 cell: 区/开发区 → district;
// 局/总公司/产业工会 → sector; district/sector in English too.
func ParseAgencyType(s string) (AgencyType, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch {
	case s == "district" || s == string(District):
		return District, true
	case s == "sector":
		return Sector, true
	case strings.Contains(s, "开发区") || s == "区" || strings.HasSuffix(s, "区"):
		return District, true
	case strings.Contains(s, "局") || strings.Contains(s, "总公司") || strings.Contains(s, "产业") || strings.Contains(s, "工会") || strings.Contains(s, "集团"):
		return Sector, true
	}
	return "", false
}

// InferAgencyType guesses the type from the unit's name when no roster
// entry says it: a name ending in 区 or containing 开发区 is a district.
func InferAgencyType(unit string) AgencyType {
	u := strings.TrimSpace(unit)
	u = strings.TrimSuffix(u, "代办处")
	u = strings.TrimSpace(u)
	if strings.HasSuffix(u, "区") || strings.Contains(u, "开发区") {
		return District
	}
	return Sector
}
