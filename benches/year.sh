#!/usr/bin/env bash
# benches/year.sh [DAYS] [USERS]: a year-long store, built day by day as a
# council's nightly job would, then the commands that read all of it.
#
#   benches/year.sh              # 366 days, 2,000 people (about 70 M lines)
#   benches/year.sh 7            # a week; 31 for a month
#
# For each of DAYS local dates ending the day before yesterday, generates
# that day's realistic Squid log (examples/genlogs.rs --realistic --days 1:
# each day is a function of the seed and the date, the same as in one long
# run), ingests it with --now the next morning, and deletes the log. Then
# times, with peak resident memory (/usr/bin/time -v):
#   netusage usage       everyone over the whole store
#   netusage flags       the same, the sensitivity set's models in the same pass
#   netusage usage --coverage   a row per person and date
#   netusage report      one person (the busiest) over the whole store, log
#                        lines not quoted (the logs are gone)
#   netusage purge       --execute as of midnight UTC today with a window
#                        of DAYS days: the first day is the one expired
# and prints the store's size, the ingest total and the figures.
#
# Environment: CARGO_TARGET_DIR (default ~/.cache/netusage-target), WORK
# (default a temporary folder, removed at the end unless KEEP=1), SEED.
set -euo pipefail
cd "$(dirname "$0")/.."
days="${1:-366}"
users="${2:-2000}"
for tool in /usr/bin/time ssh-keygen; do
  command -v "$tool" > /dev/null || { echo "year.sh needs $tool" >&2; exit 2; }
done
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/netusage-target}"
cargo build --release --quiet --bin netusage --example genlogs
work="${WORK:-$(mktemp -d)}"
mkdir -p "$work"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
# Copies: a build during the run does not change what is timed.
cp "$CARGO_TARGET_DIR/release/netusage" "$CARGO_TARGET_DIR/release/examples/genlogs" "$work/"
bin="$work/netusage"
gen="$work/genlogs"
store="$work/store"
# The retention window is counted back from the system clock at ingest and
# in analysis: 400 days, so the whole store is inside it (purge is given its
# own window below).
config="$work/config.toml"
printf '[retention]\ndays = 400\n' > "$config"
start=$(date -u -d "$((days + 1)) days ago" +%Y-%m-%d)
last=$(date -u -d "$start + $((days - 1)) days" +%Y-%m-%d)
echo "store: $store, $days days from $start to $last, $users people; $(nproc) cores"

lines=0
t0=$(date +%s.%N)
for ((d = 0; d < days; d++)); do
  day=$(date -u -d "$start + $d days" +%Y-%m-%d)
  log="$work/access-$day.log"
  "$gen" --realistic --users "$users" --seed "${SEED:-20261116}" --start "$day" --days 1 --out "$log" 2> /dev/null
  lines=$((lines + $(wc -l < "$log")))
  "$bin" ingest --store "$store" --config "$config" --now "$(date -u -d "$day + 1 day" +%Y-%m-%d)T06:00:00Z" "$log" > /dev/null 2>&1 \
    || { echo "ingest of $day failed" >&2; "$bin" ingest --store "$store" "$log" >&2; exit 1; }
  rm -f "$log"
done
t1=$(date +%s.%N)
echo "built: $lines lines in $(echo "$t1 - $t0" | bc) s (generate + ingest, one run a day);" \
  "store $(du -sb "$store" | cut -f1 | numfmt --to=iec)B, of which event partitions" \
  "$(du -cb $(find "$store" -name '*.parquet') | tail -1 | cut -f1 | numfmt --to=iec)B"

results="$work/results.tsv"
: > "$results"
. benches/measure.sh

measure "usage" "$bin" usage --store "$store" --config "$config" --format csv
# flags: the policy's findings, with four more browse-time models (the
# sensitivity set) fed the same days; its output grows with the flagged days.
measure "flags" "$bin" flags --store "$store" --config "$config" --format csv
# Coverage: one row per person and date, written as it is made.
measure "usage --coverage" "$bin" usage --coverage --store "$store" --config "$config" --format csv
# The busiest person on the last day (the generator's all-day browsers are one
# in a hundred), generated again: each day is a function of seed and date.
. benches/gate.sh
user=$("$gen" --realistic --users "$users" --seed "${SEED:-20261116}" --start "$last" --days 1 2> /dev/null |
  mawk '$8 != "-" && $8 !~ /%5C/ { n[$8]++ } END { for (u in n) if (n[u] > m) { m = n[u]; b = u } print b }')
# An authorisation's period is at most 366 days (`max_period_days`).
record=$(gate_record "$bin" "$store" "$work/keys" "$user" "$start" "$last")
measure "report (one person, whole store)" "$bin" report --store "$store" --config "$config" \
  --authorisation "$record" --out "$work/packs" --no-line-text
grep -E "events|sessions" "$work/report (one person, whole store).out" | head -2 || true
# As of midnight UTC today with a window of DAYS days: the first day (UTC) is
# the one expired.
override=()
[ "$days" -ge 365 ] || override=(--override-minimum "benchmark: a store shorter than a year")
measure "purge --execute (one day)" "$bin" purge --store "$store" --config "$config" --execute \
  --now "$(date -u +%Y-%m-%d)T00:00:00Z" --retention-days "$days" "${override[@]}"
grep -iE "removed" "$work/purge --execute (one day).out" | head -3 || true

echo
awk -F'\t' '{ printf "%-36s %8.2f s %8.0f MB peak\n", $1, $2, $3 / 1024 }' "$results"
