#!/usr/bin/env bash
# 1,000 tasks through Slurm, one batch job each, against the same number of
# bare `sbatch --wrap true` submitted back to back; figures in README.md.
#   bench/slurm-fanout.sh [BUILD_DIR] [TASKS]     (as root; default build, 1000)
# Starts its own single-node Slurm (scripts/slurm-local.sh) and weftd in a
# temp dir and removes both after. The cluster advertises 8 job slots.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:-$root/build}")
tasks=${2:-1000}
dir=$(mktemp -d /tmp/weft-slurm-bench-XXXXXX)
chmod 0755 "$dir"
weftd_pid=""
cleanup() {
  [ -n "$weftd_pid" ] && kill "$weftd_pid" 2>/dev/null && wait "$weftd_pid" 2>/dev/null || true
  "$root/scripts/slurm-local.sh" stop "$dir/slurm" || true
  rm -rf "$dir"
}
trap cleanup EXIT

conf=$("$root/scripts/slurm-local.sh" start "$dir/slurm")
export SLURM_CONF=$conf

calc() { python3 -c "print($1)"; }

# Waits until Slurm has no pending or running job; prints the seconds since $1.
drain() {
  while [ -n "$(squeue --noheader --states=PENDING,RUNNING,COMPLETING --format=%i)" ]; do sleep 0.2; done
  calc "$(date +%s.%N) - $1"
}

echo "baseline: $tasks x sbatch --wrap true, back to back" >&2
start=$(date +%s.%N)
for _ in $(seq "$tasks"); do sbatch --parsable --output=/dev/null --wrap true >/dev/null; done
submitted=$(calc "$(date +%s.%N) - $start")
baseline=$(drain "$start")

port=$((20000 + RANDOM % 20000))
cat >"$dir/weftd.json" <<JSON
{"listen": "127.0.0.1:$port", "state_dir": "$dir/state", "plugin_dirs": ["$build/lib/weft/plugins"],
 "required_plugins": ["slurm"], "limits": {"max_running_tasks": 1024},
 "executors": {"slurm": {"slurm_conf": "$conf", "poll_interval_s": 1, "submit_rate_per_s": 1000}}}
JSON
"$build/bin/weftd" --config "$dir/weftd.json" >"$dir/weftd.log" 2>&1 &
weftd_pid=$!
export WEFT_SERVER=http://127.0.0.1:$port WEFT_TOKEN_FILE=$dir/state/admin.token
for _ in $(seq 100); do [ -s "$WEFT_TOKEN_FILE" ] && "$build/bin/weft" plugins >/dev/null 2>&1 && break; sleep 0.1; done

cat >"$dir/fanout.json" <<JSON
{"name": "slurm-bench", "params": {"n": $tasks},
 "nodes": [{"id": "list", "type": "command",
            "params": {"argv": ["sh", "-c", "seq -s, \"\$1\" | sed 's/^/[/; s/,*\$/]/' > \"\$WEFT_OUTPUT\"", "sh", "{{ params.n }}"]}},
           {"id": "each", "type": "command", "executor": "slurm", "depends_on": ["list"],
            "for_each": "{{ nodes.list.output }}", "params": {"argv": ["true"]}}]}
JSON
echo "weft: one for_each node of $tasks tasks on the slurm executor" >&2
run=$("$build/bin/weft" -o json exec "$dir/fanout.json" --wait)
status=$(echo "$run" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
wall=$(echo "$run" | python3 -c '
import json, sys
from datetime import datetime
r = json.load(sys.stdin)
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
print((t(r["finished_at"]) - t(r["started_at"])).total_seconds())')
jobs=$(squeue --noheader --states=all --format=%j | grep -c '/each/' || true)
cpu=$(ps -o cputime= -p "$weftd_pid")

printf '%-34s %10s %10s\n' "" "wall s" "jobs/s"
printf '%-34s %10.1f %10.1f\n' "sbatch --wrap true x $tasks" "$baseline" "$(calc "$tasks / $baseline")"
printf '%-34s %10.1f\n' "  of which submitting" "$submitted"
printf '%-34s %10.1f %10.1f\n' "weft, $tasks slurm tasks ($status)" "$wall" "$(calc "$tasks / $wall")"
echo "jobs weft submitted: $jobs; weftd CPU time: $cpu"
