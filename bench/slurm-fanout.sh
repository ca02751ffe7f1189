#!/usr/bin/env bash
# 1,000 tasks through Slurm: as bare `sbatch --wrap true` submitted back to
# back, then through weft as one job per task and as one job array; figures
# in README.md.
#   bench/slurm-fanout.sh [BUILD_DIR] [TASKS]     (as root; default build, 1000)
# Starts its own single-node Slurm (scripts/slurm-local.sh) and a fresh weftd
# per mode in a temp dir, and removes them after. The cluster advertises 8
# job slots. CPU figures are utime+stime of slurmctld and weftd over each mode.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:-$root/build}")
tasks=${2:-1000}
dir=$(mktemp -d /tmp/weft-slurm-bench-XXXXXX)
chmod 0755 "$dir"
weftd_pid=""
stop_weftd() {
  [ -n "$weftd_pid" ] && kill "$weftd_pid" 2>/dev/null && wait "$weftd_pid" 2>/dev/null || true
  weftd_pid=""
}
cleanup() {
  stop_weftd
  "$root/scripts/slurm-local.sh" stop "$dir/slurm" || true
  rm -rf "$dir"
}
trap cleanup EXIT

conf=$("$root/scripts/slurm-local.sh" start "$dir/slurm")
export SLURM_CONF=$conf
slurmctld_pid=$(cat "$dir/slurm/run/slurmctld.pid")

calc() { python3 -c "print($1)"; }
# CPU seconds (user + system) a process has used so far.
cpu_of() { python3 -c "import os; f=open('/proc/$1/stat').read().rsplit(')',1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK'))"; }

# Waits until Slurm has no pending or running job; prints the seconds since $1.
drain() {
  while [ -n "$(squeue --noheader --states=PENDING,RUNNING,COMPLETING --format=%i)" ]; do sleep 0.2; done
  calc "$(date +%s.%N) - $1"
}

printf '%-36s %9s %9s %9s %11s %9s\n' "" "submit s" "wall s" "tasks/s" "slurmctld s" "weftd s"

ctld_before=$(cpu_of "$slurmctld_pid")
start=$(date +%s.%N)
for _ in $(seq "$tasks"); do sbatch --parsable --output=/dev/null --wrap true >/dev/null; done
submitted=$(calc "$(date +%s.%N) - $start")
baseline=$(drain "$start")
printf '%-36s %9.1f %9.1f %9.1f %11.1f %9s\n' "sbatch --wrap true x $tasks" "$submitted" "$baseline" \
  "$(calc "$tasks / $baseline")" "$(calc "$(cpu_of "$slurmctld_pid") - $ctld_before")" "-"

cat >"$dir/fanout.json" <<JSON
{"name": "slurm-bench", "params": {"n": $tasks},
 "nodes": [{"id": "list", "type": "command",
            "params": {"argv": ["sh", "-c", "seq -s, \"\$1\" | sed 's/^/[/; s/,*\$/]/' > \"\$WEFT_OUTPUT\"", "sh", "{{ params.n }}"]}},
           {"id": "each", "type": "command", "executor": "slurm", "depends_on": ["list"],
            "for_each": "{{ nodes.list.output }}", "params": {"argv": ["true"]}}]}
JSON

# One weft run of the fan-out with job_arrays $1, on a fresh weftd.
weft_fanout() {
  local arrays=$1 label=$2
  local port=$((20000 + RANDOM % 20000))
  cat >"$dir/weftd.json" <<JSON
{"listen": "127.0.0.1:$port", "state_dir": "$dir/state-$arrays", "plugin_dirs": ["$build/lib/weft/plugins"],
 "required_plugins": ["slurm"], "limits": {"max_running_tasks": $((tasks + 24))},
 "executors": {"slurm": {"slurm_conf": "$conf", "poll_interval_s": 1, "submit_rate_per_s": 1000,
                         "job_arrays": $arrays}}}
JSON
  "$build/bin/weftd" --config "$dir/weftd.json" >"$dir/weftd-$arrays.log" 2>&1 &
  weftd_pid=$!
  export WEFT_SERVER=http://127.0.0.1:$port WEFT_TOKEN_FILE=$dir/state-$arrays/admin.token
  for _ in $(seq 100); do [ -s "$WEFT_TOKEN_FILE" ] && "$build/bin/weft" plugins >/dev/null 2>&1 && break; sleep 0.1; done
  local ctld_before weftd_before run_id
  ctld_before=$(cpu_of "$slurmctld_pid")
  weftd_before=$(cpu_of "$weftd_pid")
  run_id=$("$build/bin/weft" -o json exec "$dir/fanout.json" --wait | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  local ctld weftd
  ctld=$(calc "$(cpu_of "$slurmctld_pid") - $ctld_before")
  weftd=$(calc "$(cpu_of "$weftd_pid") - $weftd_before")
  # submit: the run's start to the last element's start (its job id known).
  curl -sf -H "Authorization: Bearer $(cat "$WEFT_TOKEN_FILE")" "$WEFT_SERVER/api/v1/runs/$run_id" >"$dir/run.json"
  curl -sf -H "Authorization: Bearer $(cat "$WEFT_TOKEN_FILE")" "$WEFT_SERVER/api/v1/runs/$run_id/tasks" |
    python3 -c '
import json, sys
from datetime import datetime
run = json.load(open(sys.argv[1]))
t = lambda v: datetime.fromisoformat(v.replace("Z", "+00:00"))
each = [x for x in json.load(sys.stdin)["items"] if x["node"] == "each" and x["index"] is not None]
ids = {x["external_id"].split("_")[0] for x in each}
begin = t(run["started_at"])
print(run["status"], len(each), len(ids), max((t(x["started_at"]) - begin).total_seconds() for x in each),
      (t(run["finished_at"]) - begin).total_seconds())' "$dir/run.json" >"$dir/result"
  read -r status count jobs submit wall <"$dir/result"
  stop_weftd
  printf '%-36s %9.1f %9.1f %9.1f %11.1f %9.1f\n' "$label ($status)" "$submit" "$wall" "$(calc "$count / $wall")" \
    "$ctld" "$weftd"
  echo "  $count tasks, $jobs sbatch submissions" >&2
}

weft_fanout false "weft, one job per task"
weft_fanout true "weft, job array"
