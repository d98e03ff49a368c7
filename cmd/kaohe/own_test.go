package main

import (
	"slices"
	"testing"
)

// A staff address written as 名字 <地址> must still be known as the
// office's own, or a staff member's mail would be answered like an agency's.
func TestOwnAddressesTakeNamedStaff(t *testing.T) {
	own := ownAddresses("kaohe@office.example.org", "kaohe", []string{"王明 <wangming@example.org>", "sun@example.org"})
	for _, want := range []string{"kaohe@office.example.org", "wangming@example.org", "sun@example.org"} {
		if !slices.Contains(own, want) {
			t.Errorf("own %v lacks %s", own, want)
		}
	}
}
