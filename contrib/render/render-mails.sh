#!/bin/sh
# Renders the HTML body of every kind of mail people read (each receipt
# kind, the 推荐表 receipt, the held-mail receipt, the unknown-sender and foreign-form notes,
# the reminder, the staff notice, the daily summary, the 导入 replies to
# staff and the notice of a staff workbook not imported) to PNG with
# headless Chromium, for a person to look at before a release.
#
#   contrib/render/render-mails.sh [OUT]      (default: render-out/mails)
#
# Needs Go and Chromium (Debian: apt-get install chromium fonts-noto-cjk).
# CHROMIUM overrides the browser; HEIGHT the picture height in pixels.
set -eu

out=${1:-render-out/mails}
browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [ -z "$browser" ]; then
	echo "render-mails: Chromium not found (apt-get install chromium), or set CHROMIUM" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.html "$out"/*.png

(cd "$root" && KAOHE_RENDER_DIR="$out" go test ./reply -run '^TestRenderMails$' -count=1 >/dev/null)

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for html in "$out"/*.html; do
	png=${html%.html}.png
	"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --user-data-dir="$profile" \
		--screenshot="$png" --window-size="900,${HEIGHT:-1400}" "file://$html" >/dev/null 2>&1
	if [ ! -s "$png" ]; then
		echo "render-mails: no picture of $html" >&2
		exit 1
	fi
	echo "$png"
done
