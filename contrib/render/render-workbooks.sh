#!/bin/sh
# Renders the workbooks people print as LibreOffice prints them on A4: the
# blank form, every annotated copy the demo answers with, the staff
# workbook, the blank 推荐表 (prefilled for an agency with a quota of 3) and
# an annotated 推荐表. Writes a PDF and one PNG per page of each to OUT (default
# ./render-out/workbooks), so that they can be looked at before a release.
#
# Needs: go, LibreOffice (soffice; Debian: libreoffice-calc-nogui),
# pdftoppm (poppler-utils). For the widths Excel uses, install the fonts
# metric-compatible with the workbook's default font (fonts-crosextra-carlito)
# and a CJK font (fonts-noto-cjk).
#
# Usage: contrib/render/render-workbooks.sh [OUT]
set -eu

out=${1:-render-out/workbooks}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

mkdir -p "$out"
out=$(cd "$out" && pwd)

(cd "$root" && go build -o "$work/kaohe" ./cmd/kaohe)
"$work/kaohe" template -o "$work/blank.xlsx" >/dev/null
"$work/kaohe" template --form recommend --agency 示例区代办处 --persons 3 -o "$work/blank-recommend.xlsx" >/dev/null
"$work/kaohe" demo -o "$work/demo" >/dev/null 2>&1

mkdir "$work/books"
cp "$work/blank.xlsx" "$work/books/blank-form.xlsx"
cp "$work/blank-recommend.xlsx" "$work/books/blank-recommend.xlsx"
(cd "$root" && KAOHE_RENDER_DIR="$work/books" go test -count=1 -run TestWriteRecommendationSample ./annotate >/dev/null)
cp "$work/demo/汇总.xlsx" "$work/books/staff-workbook.xlsx"
n=0
for f in "$work/demo/批注表/"*.xlsx; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	cp "$f" "$work/books/annotated-$n.xlsx"
	echo "annotated-$n: $(basename "$f")" >>"$out/annotated-copies.txt.new"
done
[ -e "$out/annotated-copies.txt.new" ] && mv "$out/annotated-copies.txt.new" "$out/annotated-copies.txt"

# A profile of its own: neither needs nor disturbs a user's LibreOffice.
soffice "-env:UserInstallation=file://$work/profile" --headless --norestore \
	--convert-to pdf --outdir "$out" "$work/books/"*.xlsx >/dev/null 2>&1

for pdf in "$out"/*.pdf; do
	base=${pdf%.pdf}
	rm -f "$base"-*.png
	pdftoppm -r 70 -png "$pdf" "$base"
done
ls "$out"
