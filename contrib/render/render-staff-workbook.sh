#!/bin/sh
# Renders the staff workbook as it prints: every sheet through LibreOffice
# to PDF (A4, the workbook's own page setup), then every page to PNG, for a
# person to look at before a release.
#
#   contrib/render/render-staff-workbook.sh [WORKBOOK.xlsx] [OUT]
#                                          (default OUT: render-out/staff-workbook)
#
# Without a workbook (or with "") it plays `kaohe demo` and renders the
# demo's 汇总.xlsx. Needs Go, LibreOffice and poppler
# (Debian: apt-get install libreoffice-calc poppler-utils fonts-noto-cjk).
set -eu

wb=${1:-}
out=${2:-render-out/staff-workbook}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/page-*.png "$out"/汇总.pdf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$wb" ]; then
	(cd "$root" && go run ./cmd/kaohe demo -o "$work/demo" >/dev/null)
	wb=$work/demo/汇总.xlsx
fi
cp "$wb" "$out/汇总.xlsx"
soffice --headless --norestore "-env:UserInstallation=file://$work/profile" \
	--convert-to pdf --outdir "$out" "$out/汇总.xlsx" >/dev/null 2>&1
pdftoppm -r 60 -png "$out/汇总.pdf" "$out/page"
echo "$(ls "$out"/page-*.png | wc -l) pages: $out/汇总.pdf, $out/page-*.png"
