package sample

import (
	"fmt"
	"math/rand/v2"
)

// Agency is a fictional 代办处 for demos and benchmarks.
type Agency struct {
	Name     string // the unit as written on the form: "朝阳区代办处"
	District bool   // a 区/开发区 agency; otherwise 局总公司 or 产业工会
	Email    string // a made-up sender address under example.org
	Contact  string // a made-up 填报人
}

// Beijing-like district names, and fictional bureaus, corporate groups and
// industrial unions (any likeness to a real organisation is a coincidence).
var (
	districtNames = []string{
		"东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "门头沟区", "房山区", "通州区",
		"顺义区", "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区", "经济技术开发区",
	}
	sectorNames = []string{
		"市建工局", "市教育工会", "市卫生健康工会", "市交通运输工会", "市商贸工会", "市农林水工会",
		"市金融工会", "市邮电工会", "市能源工会", "京钢集团总公司", "京城建设集团总公司", "市公交集团",
		"市轻工控股总公司", "市食品集团", "市医药集团", "市燃气集团", "市水务集团", "市文旅投资集团",
		"市纺织控股总公司", "市汽车工业总公司", "市机电工会", "市化工集团", "市国防科技工会", "市园林绿化工会",
	}
	// For more agencies than names: 市 + a trade + a kind of body.
	trades = []string{"电子", "仪表", "冶金", "建材", "粮油", "物资", "环卫", "出版", "广播", "体育", "科技", "航运"}
	bodies = []string{"集团总公司", "控股公司", "工会", "局"}
)

// RandomAgencies returns n fictional agencies in an order that depends on
// n and seed only: districts and sector agencies alternate while districts last
// (there are 17), then sector agencies follow. Names are unique; beyond the
// built-in ones they are composed (市冶金集团总公司, then numbered 第2分会).
// An agency's Email depends on its name only, not on n or seed.
func RandomAgencies(n int, seed int64) []Agency {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6b616f6865))
	sectors := append([]string(nil), sectorNames...)
	for _, t := range trades {
		for _, b := range bodies {
			sectors = append(sectors, "市"+t+b)
		}
	}
	base := len(sectors)
	for i := 0; len(districtNames)+len(sectors) < n; i++ {
		sectors = append(sectors, fmt.Sprintf("%s第%d分会", sectors[i%base], i/base+2))
	}
	// Email numbers: districts first, then sectors, in list order.
	number := func(district bool, i int) int {
		if district {
			return i + 1
		}
		return len(districtNames) + i + 1
	}
	dp, sp := rng.Perm(len(districtNames)), rng.Perm(len(sectors))
	out := make([]Agency, 0, n)
	add := func(name string, district bool, num int) {
		out = append(out, Agency{
			Name:     name + "代办处",
			District: district,
			Email:    fmt.Sprintf("dbc%03d@example.org", num),
			Contact:  personName(rng),
		})
	}
	di, si := 0, 0
	for len(out) < n {
		if di < len(dp) && (len(out)%2 == 0 || si >= len(sp)) {
			add(districtNames[dp[di]], true, number(true, dp[di]))
			di++
			continue
		}
		add(sectors[sp[si]], false, number(false, sp[si]))
		si++
	}
	return out
}
