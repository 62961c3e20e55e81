#!/usr/bin/env bash
# Headless-browser check of the HTML report: renders the reports in Debian's chromium (the
# integration test `reports::html_report_renders_in_headless_chromium`), checks the scripts ran
# without errors or Content-Security-Policy refusals and that the findings are in the DOM, and keeps
# screenshots in target/test-artefacts/. Unlike the test alone, this fails when chromium is missing.
#
#   apt-get install -y chromium chromium-driver   # once
#   scripts/html-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
    echo "html-check: chromium is not installed (apt-get install -y chromium chromium-driver)" >&2
    exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test -p syncsift --test integration reports::html_report_renders_in_headless_chromium \
    -- --exact --nocapture 2>&1 | tee "$log"
if grep -q "SKIPPED html_report_renders_in_headless_chromium" "$log"; then
    echo "html-check: the browser test was skipped" >&2
    exit 1
fi
ls -l target/test-artefacts/report-bundle.png target/test-artefacts/report-connect-sync.png \
    target/test-artefacts/report-findings.png
