# Sourced by benches/compare.sh and benches/year.sh.
# measure NAME COMMAND...: runs COMMAND once under GNU time (/usr/bin/time -v),
# its output in $work/NAME.out and .err, and appends "NAME<TAB>wall seconds<TAB>
# peak resident KB<TAB>CPU seconds (user + system, all threads)" to $results
# (both set by the caller). A failing command is named with the tail of its
# standard error, and the run goes on.
measure() {
  local name="$1"
  shift
  local t="$work/$name.time"
  if ! /usr/bin/time -v -o "$t" "$@" > "$work/$name.out" 2> "$work/$name.err"; then
    echo "$name failed:" >&2
    tail -5 "$work/$name.err" >&2
    return 0
  fi
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$t")
  rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$t")
  cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { print s }' "$t")
  printf '%s\t%s\t%s\t%s\n' "$name" "$wall" "$rss" "$cpu" >> "$results"
}
