#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 20s each). A crasher
# found is written by go test into the package's testdata/fuzz/ folder and
# listed at the end: commit it there and it runs as a regression case in
# every `go test`. A find does not fail this script (a random search must
# not make CI flaky); a crasher already in testdata/ fails the test run.
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-20s}"
# Minimizing each new input may take a minute by default (many runs of a
# workbook read): within a short budget the fuzzer would do little else.
minimizetime="${FUZZ_MINIMIZE_TIME:-2s}"
found=()
targets=$(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . | sort)
for file in $targets; do
  pkg="./$(dirname "${file#./}")"
  for name in $(grep -oE '^func Fuzz[A-Za-z0-9_]+' "$file" | sed 's/^func //'); do
    echo "== fuzz $pkg $name for $fuzztime"
    if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimizetime" "$pkg"; then
      found+=("$pkg $name")
    fi
  done
done
if [ ${#found[@]} -gt 0 ]; then
  echo "== FUZZING FOUND CRASHERS (inputs under each package's testdata/fuzz/):"
  printf '   %s\n' "${found[@]}"
  git status --short -- '*/testdata/fuzz/*' || true
else
  echo "== fuzzing found nothing"
fi
exit 0
