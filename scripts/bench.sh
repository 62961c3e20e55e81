#!/usr/bin/env bash
# Side-by-side timings of syncsift against the fastest tools for the underlying work (issue 7):
# evtx_dump (EVTX), ripgrep (text literals), cat/unzip (reading the bytes), on one generated
# scale bundle, same thread count, warm page cache. Linux only.
#
#   scripts/bench.sh                     # SIZE=1GiB THREADS=2 RUNS=3
#   SIZE=512MiB THREADS=2 RUNS=5 scripts/bench.sh
#   COMPARE="bundle threads" scripts/bench.sh   # only some comparisons
#
# Writes hyperfine JSON/Markdown and a summary to target/bench-data/<SIZE>/results/.
set -euo pipefail

SIZE=${SIZE:-1GiB}
THREADS=${THREADS:-2}
RUNS=${RUNS:-3}
# Which comparisons to run (results of earlier runs stay in the results folder).
COMPARE=${COMPARE:-"evtx utf8-trace utf16-trace bundle threads"}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA="$ROOT/target/bench-data/$SIZE"
OUT="$DATA/results"
SYNCSIFT="$ROOT/target/release/syncsift"
GEN="$ROOT/target/release/gen-samples"

say() { printf '\n== %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1; }

# --- tools -------------------------------------------------------------------------------------
missing=()
for tool in rg hyperfine unzip iconv python3; do need "$tool" || missing+=("$tool"); done
if ((${#missing[@]})); then
    apt_names=()
    for tool in "${missing[@]}"; do
        case $tool in rg) apt_names+=(ripgrep) ;; iconv) apt_names+=(libc-bin) ;; *) apt_names+=("$tool") ;; esac
    done
    if [[ $(id -u) == 0 ]] && need apt-get; then
        say "installing ${apt_names[*]} with apt-get"
        apt-get install -y "${apt_names[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${apt_names[@]}" >/dev/null; }
    else
        echo "missing: ${missing[*]}; install them (Debian/Ubuntu: sudo apt-get install ${apt_names[*]}) and rerun" >&2
        exit 1
    fi
fi
if ! need evtx_dump; then
    say "installing evtx_dump (cargo install evtx --locked)"
    cargo install evtx --locked
fi
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time (GNU time) is needed for peak RSS: apt-get install time" >&2; exit 1; }

# --- build and data ----------------------------------------------------------------------------
say "building release syncsift and gen-samples"
(cd "$ROOT" && cargo build --release -q -p syncsift -p syncsift-samples --bins)

mkdir -p "$DATA" "$OUT"
BUNDLE=$(find "$DATA" -maxdepth 1 -name '*-scale-*.zip' | head -n1)
if [[ -z $BUNDLE ]]; then
    say "generating a $SIZE scale bundle in $DATA"
    "$GEN" --size "$SIZE" --out "$DATA" >/dev/null
    BUNDLE=$(find "$DATA" -maxdepth 1 -name '*-scale-*.zip' | head -n1)
fi
LOOSE="$DATA/unpacked"
if [[ ! -d $LOOSE ]]; then
    say "unpacking the bundle (evtx_dump and rg need loose files)"
    unzip -q -o "$BUNDLE" -d "$LOOSE.tmp" && mv "$LOOSE.tmp" "$LOOSE"
fi
mapfile -t EVTX < <(find "$LOOSE" -maxdepth 1 -name '*.evtx' | sort)
UTF8="$LOOSE/AzureADConnectProvisioningAgent_20240308-101500.log"
UTF16="$LOOSE/trace-agent-verbose-20240309-101212.log"
UTF16_AS_UTF8="$DATA/trace-agent-verbose-as-utf8.log"
[[ -f $UTF16_AS_UTF8 ]] || iconv -f UTF-16 -t UTF-8 "$UTF16" >"$UTF16_AS_UTF8"
LITERALS="$DATA/literals.txt"
"$SYNCSIFT" rules list --literals >"$LITERALS"

# --- machine -----------------------------------------------------------------------------------
{
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet || echo ' (dirty)')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -n1)"
    echo "cpus online: $(nproc) (of $(nproc --all)); threads used: $THREADS"
    echo "ram: $(free -h | awk '/^Mem:/ {print $2}')"
    echo "kernel: $(uname -r)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "tools: $(evtx_dump --version 2>&1 | head -n1); $(rg --version | head -n1); $(hyperfine --version)"
    echo "bundle: $(basename "$BUNDLE") ($(stat -c %s "$BUNDLE") bytes; $(du -sb "$LOOSE" | cut -f1) bytes unpacked)"
    echo "literals: $(wc -l <"$LITERALS") (syncsift rules list --literals)"
} | tee "$OUT/machine.txt"

# Warm the page cache.
cat "$BUNDLE" "$UTF16_AS_UTF8" >/dev/null
find "$LOOSE" -type f -exec cat {} + >/dev/null

q() { printf '%q ' "$@"; }
SS_ANY="$(q "$SYNCSIFT") analyse -q --color never"
SS="$SS_ANY --threads $THREADS"
EVTX_DUMP=""
for f in "${EVTX[@]}"; do EVTX_DUMP+="evtx_dump -t $THREADS -o jsonl $(q "$f")>/dev/null; "; done
RG="rg -c -i -F -j $THREADS -f $(q "$LITERALS")"

compare() { # name, then commands (the first is syncsift)
    local name=$1
    shift
    [[ " $COMPARE " == *" $name "* ]] || return 0
    say "$name"
    hyperfine --style basic --warmup 1 --runs "$RUNS" --ignore-failure \
        --export-json "$OUT/$name.json" --export-markdown "$OUT/$name.md" "$@"
}

compare evtx "$SS $(q "${EVTX[@]}") >/dev/null" "$EVTX_DUMP"
compare utf8-trace "$SS $(q "$UTF8") >/dev/null" "$RG $(q "$UTF8") >/dev/null"
compare utf16-trace "$SS $(q "$UTF16") >/dev/null" "$RG $(q "$UTF16_AS_UTF8") >/dev/null" \
    "$RG $(q "$UTF16") >/dev/null"
compare bundle "$SS $(q "$BUNDLE") >/dev/null" "cat $(q "$BUNDLE") >/dev/null" \
    "unzip -p $(q "$BUNDLE") >/dev/null" "find $(q "$LOOSE") -type f -exec cat {} + >/dev/null"
compare threads "$SS_ANY --threads 1 $(q "$BUNDLE") >/dev/null" "$SS $(q "$BUNDLE") >/dev/null"

# --- records, peak RSS ------------------------------------------------------------------------
say "records and peak RSS of the syncsift runs"
rss() { # name, paths...
    local name=$1
    shift
    /usr/bin/time -v -o "$OUT/$name.time" "$SYNCSIFT" analyse -q --threads "$THREADS" --color never \
        --format json -o "$OUT/$name.report.json" --force "$@" >/dev/null || true
}
rss evtx "${EVTX[@]}"
rss utf8-trace "$UTF8"
rss utf16-trace "$UTF16"
rss bundle "$BUNDLE"

python3 - "$OUT" "$(stat -c %s "$BUNDLE")" "$(du -sb "$LOOSE" | cut -f1)" \
    "$(cat "${EVTX[@]}" | wc -c)" "$(stat -c %s "$UTF8")" "$(stat -c %s "$UTF16")" <<'PY' | tee "$OUT/summary.md"
import json, os, re, sys
out, zip_bytes, loose_bytes, evtx_bytes, utf8_bytes, utf16_bytes = sys.argv[1], *map(int, sys.argv[2:])
inputs = {"evtx": evtx_bytes, "utf8-trace": utf8_bytes, "utf16-trace": utf16_bytes, "bundle": loose_bytes}
labels = {
    "evtx": ["syncsift", "evtx_dump -o jsonl"],
    "utf8-trace": ["syncsift", "rg -c (same file)"],
    "utf16-trace": ["syncsift", "rg -c (UTF-8 copy)", "rg -c (UTF-16 file, rg transcodes)"],
    "bundle": ["syncsift (zip)", "cat zip", "unzip -p", "cat unpacked files"],
    "threads": ["syncsift --threads 1 (zip)", "syncsift --threads N (zip)"],
}
# CPU time (user + system) next to wall time: on a shared machine wall time also counts waiting.
print("| comparison | command | wall mean s | ± s | CPU s | syncsift / this (wall) | syncsift / this (CPU) |")
print("|---|---|---:|---:|---:|---:|---:|")
for name, names in labels.items():
    if not os.path.exists(f"{out}/{name}.json"):
        continue
    results = json.load(open(f"{out}/{name}.json"))["results"]
    cpu = [r["user"] + r["system"] for r in results]
    for i, (label, r) in enumerate(zip(names, results)):
        wall = "" if i == 0 else f"{results[0]['mean'] / r['mean']:.2f}"
        cpus = "" if i == 0 else f"{cpu[0] / cpu[i]:.2f}"
        print(f"| {name} | {label} | {r['mean']:.3f} | {r['stddev'] or 0:.3f} | {cpu[i]:.3f} | {wall} | {cpus} |")
print()
print("| input | uncompressed MB | entries | syncsift mean s | MB/s | entries/s | peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, size in inputs.items():
    if not os.path.exists(f"{out}/{name}.json"):
        continue
    mean = json.load(open(f"{out}/{name}.json"))["results"][0]["mean"]
    try:
        entries = json.load(open(f"{out}/{name}.report.json"))["summary"]["entries"]
    except (OSError, KeyError, ValueError):
        entries = 0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{out}/{name}.time").read())
    rss_mb = int(rss.group(1)) / 1024 if rss else float("nan")
    print(f"| {name} | {size / 1e6:.0f} | {entries} | {mean:.3f} | {size / 1e6 / mean:.0f} | "
          f"{entries / mean:,.0f} | {rss_mb:.0f} |")
PY
echo
echo "results: $OUT"
