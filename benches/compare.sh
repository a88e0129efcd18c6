#!/usr/bin/env bash
# benches/compare.sh SIZE: netusage against line-oriented tools on one
# generated Squid log, in one run on the same file.
#
#   benches/compare.sh 1G        # about 8 million lines
#   benches/compare.sh 200M
#
# Generates a native Squid access log of about SIZE bytes (K, M, G suffixes)
# with the project's generator in its realistic mode (examples/genlogs.rs
# --realistic: 2,000 people, 5,000 hosts with Zipf-like popularity, distinct
# paths and query strings, about 57 % of URLs distinct; ending before today so
# the retention window and the authorisation gate accept it; it prints its
# hosts, distinct URLs and person-host pairs per million lines), then times,
# each on that file:
#   netusage ingest          parse, classify, write Parquet day partitions
#   netusage usage           browse time per person and category (streamed)
#   netusage report          a one-person evidence pack over five days (with and
#                            without reading its log lines back from the log)
#   mawk                     counting requests per host: the floor for a line tool
#   goaccess                 Debian package, Squid format, JSON output, TZ set
#   duckdb                   read_csv + regexp_extract + group by (PyPI package)
#   chdb                     ClickHouse in process (PyPI package chdb):
#                            splitByWhitespace + domain() + group by person, host
# and prints wall time, lines per second and peak resident memory
# (/usr/bin/time -v) for each, and each one's time as a ratio to
# `netusage ingest`. Tools that are not installed are named and left out.
#
# Environment: SKIP (names to leave out, e.g. SKIP="goaccess duckdb"),
# CARGO_TARGET_DIR (default ~/.cache/netusage-target),
# WORK (default a temporary folder, removed at the end unless KEEP=1).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in /usr/bin/time numfmt python3 mawk; do
  command -v "$tool" > /dev/null || { echo "compare.sh needs $tool (GNU time: apt-get install time)" >&2; exit 2; }
done
size="${1:-1G}"
case "$size" in
  *[!0-9KMGkmg]* | "" ) echo "usage: benches/compare.sh SIZE (e.g. 200M, 1G)" >&2; exit 2 ;;
esac
bytes=$(numfmt --from=iec "$size")
if [ "$bytes" -lt 1048576 ]; then
  echo "SIZE $size is under 1M: too small to time anything" >&2
  exit 2
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/netusage-target}"
cargo build --release --quiet --bin netusage --example genlogs
work="${WORK:-$(mktemp -d)}"
mkdir -p "$work"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
# Copies: a build during the run does not change what is timed.
cp "$CARGO_TARGET_DIR/release/netusage" "$CARGO_TARGET_DIR/release/examples/genlogs" "$work/"
bin="$work/netusage"
log="$work/access.log"
store="$work/store"
# The realistic generator writes about 148 bytes a line.
lines=$((bytes / 148))
# About 260,000 lines a calendar day (2,000 people, weekends quiet): start
# far enough back that the last line is not in the future.
start=$(date -u -d "$((lines / 200000 + 5)) days ago" +%Y-%m-%d)
"$work/genlogs" --realistic --users 2000 --hosts 5000 --lines "$lines" \
  --start "$start" --out "$log" 2> "$work/genlogs.err"
head -3 "$work/genlogs.err"
lines=$(wc -l < "$log")
echo "log: $log, $(numfmt --to=iec "$(stat -c %s "$log")")B, $lines lines, from $start; $(nproc) cores"

results="$work/results.tsv"
: > "$results"
. benches/measure.sh

measure "netusage ingest" "$bin" ingest --store "$store" "$log"
measure "netusage usage" "$bin" usage --store "$store" --format csv

first=$(head -1 "$log" | cut -d. -f1)
last=$(tail -1 "$log" | cut -d. -f1)
# Monday to Friday of the week in the middle (the whole log if shorter).
mid=$(((first + last) / 2))
monday=$((mid - ($(date -u -d "@$mid" +%u) - 1) * 86400))
from_s=$((monday > first ? monday : first))
to_s=$((monday + 4 * 86400 < last ? monday + 4 * 86400 : last))
# A log shorter than a week may lie wholly after that Friday: then all of it.
[ "$to_s" -ge "$from_s" ] || to_s=$last
from=$(date -u -d "@$from_s" +%Y-%m-%d)
to=$(date -u -d "@$to_s" +%Y-%m-%d)
# The busiest person of those five days: one of the generator's all-day
# browsers (a short visit to one site after another: thousands of sessions
# in five days). They log in with a realm (COUNCIL%5Cname); with no local
# realm configured the store keeps it, lower case: council\name, written
# with its backslash escaped for the authorisation record's TOML.
user=$(mawk -v a="$(date -u -d "$from" +%s)" -v z="$(($(date -u -d "$to" +%s) + 86400))" \
  '$1 >= a && $1 < z && $8 != "-" { n[$8]++ }
  END { for (u in n) if (n[u] > m) { m = n[u]; b = u } sub(/%5C/, "\\\\\\\\", b); print tolower(b) }' "$log")
. benches/gate.sh
record=$(gate_record "$bin" "$store" "$work/keys" "$user" "$from" "$to")
echo "report: $user, $from to $to"
measure "netusage report" "$bin" report --store "$store" --authorisation "$record" --out "$work/packs"
# The same pack without reading each session's lines back from the log (and
# hashing the whole log again to check it is unchanged).
measure "netusage report --no-line-text" "$bin" report --store "$store" --authorisation "$record" \
  --out "$work/packs" --supersede "benchmark: without line text" --no-line-text

# skip NAME: true when SKIP names it.
skip() { [[ " ${SKIP:-} " == *" $1 "* ]]; }
if skip mawk; then :; elif command -v mawk > /dev/null; then
  measure "mawk hosts" mawk '{ u = $7; sub(/^[a-z]+:\/\//, "", u); sub(/[\/:].*$/, "", u); n[u]++ } END { for (h in n) print h, n[h] }' "$log"
else
  echo "mawk not installed (apt-get install mawk): left out" >&2
fi
if skip goaccess; then :; elif command -v goaccess > /dev/null; then
  # GoAccess's Squid layout, spelt out (1.7's predefined SQUID name misreads the timestamp).
  measure "goaccess" env TZ=Europe/London goaccess "$log" --log-format='%x.%^ %~%L %h %^/%s %b %m %U %^ %^ %^' \
    --date-format=%s --time-format=%s --no-global-config -o "$work/goaccess.json"
else
  echo "goaccess not installed (apt-get install goaccess): left out" >&2
fi
if skip duckdb; then :; elif python3 -c 'import duckdb' 2> /dev/null; then
  measure "duckdb" python3 -c '
import sys, duckdb
print(duckdb.sql(f"""
  SELECT regexp_extract(line, $$^\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(?:[a-z]+://)?([^/:\s]+)$$, 1) AS host, count(*) AS n
  FROM read_csv($${sys.argv[1]}$$, columns = {{"line": "VARCHAR"}}, delim = chr(1), quote = $$$$, escape = $$$$, header = false)
  GROUP BY host""").fetchall().__len__(), "hosts")' "$log"
else
  echo "duckdb not installed (python3 -m pip install duckdb): left out" >&2
fi
if skip chdb; then :; elif python3 -c 'import chdb' 2> /dev/null; then
  measure "chdb person,host" python3 -c '
import sys, chdb
print(chdb.query(f"""
  SELECT count() FROM (
    SELECT p[8] AS person, domain(p[7]) AS host, count() AS n
    FROM (SELECT splitByWhitespace(line) AS p FROM file($${sys.argv[1]}$$, LineAsString, $$line String$$))
    GROUP BY person, host)""", "CSV"), "person-host pairs")' "$log"
else
  echo "chdb not installed (python3 -m pip install chdb): left out" >&2
fi

echo
awk -F'\t' -v lines="$lines" '
  NR == 1 { base = $2 }
  { printf "%-18s %8.2f s %12.0f lines/s %8.0f MB peak %7.2fx ingest time\n", $1, $2, lines / ($2 > 0 ? $2 : 1e-9), $3 / 1024, $2 / base }
' "$results"
