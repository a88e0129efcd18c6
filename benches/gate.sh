# benches/gate.sh: sourced by the benchmarks. Sets up a store's
# authorisation gate as a council would (OpenSSH ssh-keygen keys: a
# registrar, and an authoriser S100 Morgan Ellis, Head of HR, registered as
# change 1) and writes a signed one-person authorisation record.
#
#   gate_record BIN STORE DIR USER FROM TO   -> prints the record's path
#
# The record (reference BENCH-<time>, in force from an hour ago for 30
# days, period FROM..TO local dates) is DIR/authorisation.toml, with its
# signature beside it (.sig).

gate_record() {
  local bin="$1" store="$2" dir="$3" user="$4" from="$5" to="$6"
  command -v ssh-keygen > /dev/null || { echo "the report benchmark needs ssh-keygen (OpenSSH)" >&2; return 2; }
  mkdir -p "$dir"
  if [ ! -f "$dir/hr" ]; then
    ssh-keygen -q -t ed25519 -N "" -C registrar -f "$dir/registrar"
    ssh-keygen -q -t ed25519 -N "" -C hr -f "$dir/hr"
    "$bin" authorisers init --store "$store" --registrar "$dir/registrar.pub" > /dev/null
    local id
    id=$(sed -n 's/^store_id = "\(.*\)"/\1/p' "$store/store.toml")
    cat > "$dir/add-hr.toml" << EOT
store_id = "$id"
seq = 1
action = "add"
staff_id = "S100"
name = "Morgan Ellis"
role = "Head of HR"
key = "$(cat "$dir/hr.pub")"
covert = false
login = ""
EOT
    ssh-keygen -Y sign -n netusage-registry -f "$dir/registrar" "$dir/add-hr.toml" 2> /dev/null
    "$bin" authorisers add --store "$store" "$dir/add-hr.toml" > /dev/null
  fi
  cat > "$dir/authorisation.toml" << EOT
reference = "BENCH-$(date +%s)"
grounds = "excessive_non_work_use"
grounds_detail = ""
requested_by = "S200"
authorised_at = $(date -u -d '1 hour ago' +%Y-%m-%dT%H:%M:%SZ)
expires = $(date -u -d '30 days' +%Y-%m-%dT%H:%M:%SZ)
covert = false
covert_justification = ""
subject_notified = true
record_of_concern = "ROC-BENCH"
dpia = "DPIA-BENCH"
[subject]
employee_id = "E1"
users = ["$user"]
ips = []
[period]
from = $from
to = $to
EOT
  rm -f "$dir/authorisation.toml.sig"
  ssh-keygen -Y sign -n netusage-authorisation -f "$dir/hr" "$dir/authorisation.toml" 2> /dev/null
  echo "$dir/authorisation.toml"
}
