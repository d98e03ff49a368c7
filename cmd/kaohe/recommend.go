package main

import (
	"slices"

	"kaohe/config"
	"kaohe/pipeline"
	"kaohe/recommend"
	"kaohe/sandbox"
)

// recommendConfig is the intake of the 推荐表 as [results] sets it: the
// built-in 推荐表 of the season (else the newest), its deadline, the 公示's
// length and the holidays; read and annotated in the sandbox when the
// daemon has one.
func recommendConfig(cfg config.Config, pool *sandbox.Pool) pipeline.RecommendConfig {
	rc := pipeline.RecommendConfig{
		Season:        cfg.Campaign.SeasonYear(),
		Cutoff:        cfg.Results.RecommendCutoff,
		PublicityDays: cfg.Results.PublicityDays,
		Calendar:      recommend.Calendar{Holidays: cfg.Results.Holidays},
	}
	if slices.Contains(recommend.Years(), rc.Season) {
		rc.Definition = recommend.MustLoad(rc.Season)
	}
	if pool != nil {
		rc.Read, rc.Annotate = pool.ReadRecommend, pool.AnnotateRecommend
	}
	return rc
}
