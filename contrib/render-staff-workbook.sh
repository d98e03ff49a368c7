#!/bin/sh
# Renders the staff workbook as it prints: every sheet through LibreOffice
# to PDF (A4, the workbook's own page setup), then every page to PNG.
#
#   contrib/render-staff-workbook.sh [workbook.xlsx] [out-dir]
#
# Without a workbook it plays `kaohe demo` and renders the demo's 汇总.xlsx.
# Needs soffice (libreoffice-calc) and pdftoppm (poppler-utils).
set -eu
out=${2:-render-out/staff-workbook}
mkdir -p "$out"
if [ $# -ge 1 ]; then
	wb=$1
else
	demo=$(mktemp -d)
	trap 'rm -rf "$demo"' EXIT
	go run ./cmd/kaohe demo -o "$demo/demo" >/dev/null
	wb=$demo/demo/汇总.xlsx
fi
profile=$(mktemp -d)
cp "$wb" "$out/汇总.xlsx"
soffice --headless --norestore "-env:UserInstallation=file://$profile" \
	--convert-to pdf --outdir "$out" "$out/汇总.xlsx" >/dev/null 2>&1
rm -rf "$profile"
rm -f "$out"/page-*.png
pdftoppm -r 60 -png "$out/汇总.pdf" "$out/page"
echo "$(ls "$out"/page-*.png | wc -l) pages: $out/汇总.pdf, $out/page-*.png"
