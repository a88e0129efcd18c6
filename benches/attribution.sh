#!/usr/bin/env bash
# benches/attribution.sh [LINES] [RECORDS]: what attribution costs.
#
#   benches/attribution.sh 2000000 1000000
#
# 1. Imports RECORDS (default 1,000,000) generated identity intervals
#    (`identity import --kind csv`) into an empty store, timed.
# 2. Generates a Squid log of LINES (default 2,000,000) with the project's
#    generator, then takes every user name out of it (`-`) and gives each
#    person their own client address, so every event needs attribution;
#    imports one interval per person and day covering it; and times `usage`
#    on that store before the import (nothing to attribute) and after it
#    (every event attributed), and on the same log ingested with its user
#    names, whose figures it must equal: RUNS (default 7) runs of each, in
#    turn; prints the median wall time, the peak RSS and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-2000000}"
records="${2:-1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/netusage-target}"
cargo build --release --quiet --bin netusage --example genlogs
bin="$CARGO_TARGET_DIR/release/netusage"
work="${WORK:-$(mktemp -d)}"
mkdir -p "$work"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
measure() {
  local name="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > /dev/null
  read -r wall rss < "$work/time"
  printf '%-44s %8s s %8s MB\n' "$name" "$wall" "$((rss / 1024))"
}

python3 - "$records" > "$work/identity.csv" <<'PY'
import sys, random
n = int(sys.argv[1])
random.seed(7)
print("ip,user,from,to")
for i in range(n):
    d = 1 + i % 28
    h = 7 + i % 10
    print(f"10.{i % 200}.{(i // 200) % 250}.{1 + (i // 50000) % 250},user{i % 20000},"
          f"2026-10-{d:02d}T{h:02d}:00:00Z,2026-10-{d:02d}T{h + 1:02d}:30:00Z")
PY
measure "identity import, $records records" "$bin" identity import --store "$work/st-import" --kind csv "$work/identity.csv"

start=$(date -u -d "$((lines / 250000 + 5)) days ago" +%Y-%m-%d)
"$CARGO_TARGET_DIR/release/examples/genlogs" --users 2000 --lines "$lines" --start "$start" --out "$work/named.log" 2> /dev/null
# Each user gets an address; the log keeps only the address.
mawk '{ if (!($8 in ip)) { n++; ip[$8] = "10.77." int(n / 250) "." (n % 250 + 1) } $3 = ip[$8]; print > "/dev/stdout"; $8 = "-"; print > "/dev/stderr" }' \
  "$work/named.log" > "$work/named2.log" 2> "$work/anon.log"
mawk '{ print $8, $3 }' "$work/named2.log" | sort -u > "$work/people.txt"
python3 - "$work/people.txt" "$start" > "$work/holds.csv" <<'PY'
import sys, datetime
start = datetime.date.fromisoformat(sys.argv[2])
days = (datetime.date.today() - start).days + 2
print("ip,user,from,to")
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 2 or f[0] == "-":
        continue
    user, ip = f
    for d in range(days):
        day = start + datetime.timedelta(days=d)
        print(f"{ip},{user},{day}T00:00:00Z,{day + datetime.timedelta(days=1)}T00:00:00Z")
PY
"$bin" ingest --store "$work/st-named" "$work/named2.log" > /dev/null 2>&1
# The same keys (so the same pseudonyms) in both stores.
mkdir -p "$work/st-anon"
cp "$work/st-named/store.toml" "$work/st-named/secret.key" "$work/st-named/signing.key" \
  "$work/st-named/audit.jsonl" "$work/st-named/audit.head" "$work/st-anon/"
"$bin" ingest --store "$work/st-anon" "$work/anon.log" > /dev/null 2>&1
echo "log: $(wc -l < "$work/anon.log") lines; $(($(wc -l < "$work/holds.csv") - 1)) intervals; $(nproc) cores"
# The store before the import, kept aside, so the three are timed in turn.
cp -r "$work/st-anon" "$work/st-before"
"$bin" identity import --store "$work/st-anon" --kind csv "$work/holds.csv" > /dev/null
runs="${RUNS:-7}"
for _ in $(seq "$runs"); do
  for s in st-named st-before st-anon; do
    /usr/bin/time -f "%e %M" -o "$work/time" "$bin" usage --store "$work/$s" --format csv > /dev/null
    echo "$s $(cat "$work/time")" >> "$work/times"
  done
done
median() { grep "^$1 " "$work/times" | awk '{ print $2 }' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
peak() { grep "^$1 " "$work/times" | awk '$3 > m { m = $3 } END { print int(m / 1024) }'; }
named=$(median st-named)
before=$(median st-before)
after=$(median st-anon)
echo "usage, median of $runs runs taken in turn:"
printf '  %-44s %6s s %6s MB\n' "users logged (no attribution)" "$named" "$(peak st-named)" \
  "addresses only, no identity imported" "$before" "$(peak st-before)" \
  "addresses only, every event attributed" "$after" "$(peak st-anon)"
awk -v a="$after" -v n="$named" -v b="$before" 'BEGIN { printf "attribution adds %+.0f%% to usage with users logged, %+.0f%% to usage before the import\n", (a / n - 1) * 100, (a / b - 1) * 100 }'
"$bin" usage --store "$work/st-named" --format csv | sort > "$work/a.csv"
"$bin" usage --store "$work/st-anon" --format csv | sort > "$work/b.csv"
if cmp -s "$work/a.csv" "$work/b.csv"; then
  echo "same figures: yes"
else
  echo "same figures: NO (diff $work/a.csv $work/b.csv)"
fi
