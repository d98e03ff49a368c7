package consolidate

import "testing"

// TestWrappedLinesCountsLostLineEnds: a line holds only whole wide
// characters and whole words, so text that fills a column exactly by its
// total width still takes more lines than width division says.
func TestWrappedLinesCountsLostLineEnds(t *testing.T) {
	for _, c := range []struct {
		s     string
		width float64
		want  int
	}{
		{"", 10, 1},
		{"一二三四", 10, 1},         // 8.8 of 9
		{"一二三四五", 10, 2},        // 11 > 9
		{"一二三四abcdefgh", 13, 2}, // 8.8 + 8 = 16.8 of 12: the word goes down whole
		{"一二三四五六七八", 10, 2},     // 4 wide characters a line
		{"一二三四五六七八九十一二三四五六七八九十", 6, 10},        // 2 a line; 44/5 would say 9
		{"abcdef abcdef abcdef abcdef", 12, 4}, // a word a line; 27/11 would say 3
		{"甲乙丙丁戊 abc 一二三", 11, 3},               // filling: 甲乙丙丁 / 戊 abc 一 / 二三
		{"abcdefghijklmnopqrstuvwxyz", 10, 3},
		{"一\n二", 10, 2},
	} {
		if got := wrappedLines(c.s, c.width); got != c.want {
			t.Errorf("wrappedLines(%q, %v) = %d, want %d", c.s, c.width, got, c.want)
		}
	}
}
