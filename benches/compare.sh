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
# Ingest and the line tools run in turn ROUNDS times (default 3), after the
# log is synced to disk and read once into the page cache; usage and report
# run once, on the first round's store. For each command it prints the
# median wall time over its runs and their range, the median CPU time (user
# + system, all threads: /usr/bin/time -v), lines per second, the highest
# peak resident memory, and its median time as a ratio to `netusage
# ingest`'s. Tools that are not installed are named and left out.
#
# Environment: ROUNDS (default 3), SKIP (names to leave out, e.g.
# SKIP="goaccess duckdb"),
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

# The log on disk and in the page cache before anything is timed: no tool
# pays for the generator's writes, and every one reads it from memory.
sync
cat "$log" > /dev/null

# skip NAME: true when SKIP names it.
skip() { [[ " ${SKIP:-} " == *" $1 "* ]]; }
# The line tools that are installed and not skipped.
tools=()
for t in mawk goaccess duckdb chdb; do
  skip "$t" && continue
  case "$t" in
    mawk | goaccess) have=$(command -v "$t" > /dev/null && echo y || true) ; how="apt-get install $t" ;;
    *) have=$(python3 -c "import $t" 2> /dev/null && echo y || true) ; how="python3 -m pip install $t" ;;
  esac
  if [ -n "$have" ]; then tools+=("$t"); else echo "$t not installed ($how): left out" >&2; fi
done

# time_tool NAME: times one line tool on the log.
time_tool() {
  case "$1" in
    mawk)
      measure "mawk hosts" mawk '{ u = $7; sub(/^[a-z]+:\/\//, "", u); sub(/[\/:].*$/, "", u); n[u]++ } END { for (h in n) print h, n[h] }' "$log" ;;
    goaccess)
      # GoAccess's Squid layout, spelt out (1.7's predefined SQUID name misreads the timestamp).
      measure "goaccess" env TZ=Europe/London goaccess "$log" --log-format='%x.%^ %~%L %h %^/%s %b %m %U %^ %^ %^' \
        --date-format=%s --time-format=%s --no-global-config -o "$work/goaccess.json" ;;
    duckdb)
      measure "duckdb" python3 -c '
import sys, duckdb
print(duckdb.sql(f"""
  SELECT regexp_extract(line, $$^\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(?:[a-z]+://)?([^/:\s]+)$$, 1) AS host, count(*) AS n
  FROM read_csv($${sys.argv[1]}$$, columns = {{"line": "VARCHAR"}}, delim = chr(1), quote = $$$$, escape = $$$$, header = false)
  GROUP BY host""").fetchall().__len__(), "hosts")' "$log" ;;
    chdb)
      measure "chdb person,host" python3 -c '
import sys, chdb
print(chdb.query(f"""
  SELECT count() FROM (
    SELECT p[8] AS person, domain(p[7]) AS host, count() AS n
    FROM (SELECT splitByWhitespace(line) AS p FROM file($${sys.argv[1]}$$, LineAsString, $$line String$$))
    GROUP BY person, host)""", "CSV"), "person-host pairs")' "$log" ;;
  esac
}

# Ingest and the line tools in turn, ROUNDS times (default 3): on a shared
# machine one run can land in a slow minute, so each command is reported by
# its median, and the rounds interleave them so that a slow minute falls on
# all alike. Each round ingests into a new store (to a store that holds the
# log it is a duplicate); the first round's is kept for usage and report.
rounds="${ROUNDS:-3}"
case "$rounds" in *[!0-9]* | "" | 0) echo "ROUNDS must be a whole number from 1" >&2; exit 2 ;; esac
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  into="$store"
  [ "$round" = 1 ] || into="$work/store.$round"
  sync
  measure "netusage ingest" "$bin" ingest --store "$into" "$log"
  [ "$round" = 1 ] || rm -rf "$into"
  for t in "${tools[@]}"; do
    sync
    time_tool "$t"
  done
done

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

echo
# Per command: its median over the rounds (wall, and CPU: user + system
# over all its threads), the range of its wall times, its highest peak
# memory, and its median wall time as a ratio to ingest's.
python3 - "$results" "$lines" << 'EOF'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
lines = int(sys.argv[2])
by = {}
for name, wall, rss, cpu in rows:
    by.setdefault(name, []).append((float(wall), int(rss), float(cpu)))
base = statistics.median(w for w, _, _ in by.get("netusage ingest", [(1.0, 0, 0.0)]))
print(f"{'command':<32} {'runs':>4} {'median':>9} {'range':>15} {'CPU':>8} {'lines/s':>12} {'peak':>9} {'vs ingest':>9}")
for name, runs in by.items():
    walls = [w for w, _, _ in runs]
    wall = statistics.median(walls)
    cpu = statistics.median(c for _, _, c in runs)
    peak = max(r for _, r, _ in runs) / 1024
    span = f"{min(walls):.2f}-{max(walls):.2f} s"
    # A report reads one person's days, not the log: no lines per second.
    rate = "" if name.startswith("netusage report") else f"{lines / max(wall, 1e-9):,.0f}"
    print(f"{name:<32} {len(runs):>4} {wall:>7.2f} s {span:>15} {cpu:>6.2f} s {rate:>12} {peak:>6.0f} MB {wall / base:>8.2f}x")
EOF
