#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 20s each). A crasher
# is written by go test into the package's testdata/fuzz/ folder: commit it,
# it then runs as a regression case in every `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-20s}"
targets=$(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . | sort)
for file in $targets; do
  pkg="./$(dirname "${file#./}")"
  for name in $(grep -oE '^func Fuzz[A-Za-z0-9_]+' "$file" | sed 's/^func //'); do
    echo "== fuzz $pkg $name for $fuzztime"
    go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"
  done
done
