package recommend

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
)

func shortSum(data []byte) string {
	sum := sha256.Sum256(data)
	return fmt.Sprintf("%x", sum[:4])
}

func slicesClone[T any](s []T) []T { return slices.Clone(s) }

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
