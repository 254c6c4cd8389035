#!/usr/bin/env bash
# Renders an audit HTML report in headless Chromium and saves a PNG, to check the report looks right in a real
# browser (charts drawn, tables aligned, hostile model output shown as text). Not part of `swift test`.
#
# Usage:
#   Tools/audit-screenshot.sh REPORT.html [OUT.png]     # default OUT: REPORT.png next to the report
#   Tools/audit-screenshot.sh RUN_DIR [OUT.png]         # uses RUN_DIR/audit/report.html (written by `refinery
#                                                       # audit RUN_DIR --html …` or at the end of `refinery run`)
# Options (environment): WIDTH (default 1280), HEIGHT (default 4000; raise it to capture the example records),
#                        CHROMIUM (browser binary; default: chromium, chromium-browser or google-chrome on PATH).
# Needs Chromium: `apt-get install -y chromium` on Debian.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || "$1" == "-h" || "$1" == "--help" ]]; then
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 1
fi

input="$1"
if [[ -d "$input" ]]; then
    input="$input/audit/report.html"
fi
if [[ ! -f "$input" ]]; then
    echo "error: no report at $input" >&2
    exit 2
fi
report="$(cd "$(dirname "$input")" && pwd)/$(basename "$input")"
output="${2:-${report%.html}.png}"
case "$output" in
    /*) ;;
    *) output="$(pwd)/$output" ;;
esac

browser="${CHROMIUM:-}"
if [[ -z "$browser" ]]; then
    for candidate in chromium chromium-browser google-chrome; do
        if command -v "$candidate" >/dev/null 2>&1; then
            browser="$candidate"
            break
        fi
    done
fi
if [[ -z "$browser" ]]; then
    echo "error: Chromium not found (Debian: apt-get install -y chromium; or set CHROMIUM=/path/to/browser)" >&2
    exit 2
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

# --no-sandbox: containers and root users have no user namespaces for the sandbox. The report has no scripts
# and its Content-Security-Policy allows none, so nothing runs in the page anyway.
"$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --no-first-run --no-default-browser-check --disable-extensions --user-data-dir="$profile" \
    --window-size="${WIDTH:-1280},${HEIGHT:-4000}" --screenshot="$output" "file://$report" \
    >"$profile/chromium.log" 2>&1 || {
        echo "error: Chromium failed; its log follows" >&2
        cat "$profile/chromium.log" >&2
        exit 3
    }
if [[ ! -s "$output" ]]; then
    echo "error: Chromium wrote no screenshot" >&2
    cat "$profile/chromium.log" >&2
    exit 3
fi
echo "$output"
