#!/usr/bin/env bash
# Starts weftd from the build tree on its embedded default (SQLite, process
# executor) and runs the example workflow. weftd keeps running afterwards so
# that you can try the CLI against it; `make stop` stops it.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/$build/run"
mkdir -p "$state"
cat > "$state/weftd.json" <<JSON
{
  "listen": "127.0.0.1:8080",
  "state_dir": "$state/state",
  "plugin_dirs": ["$root/$build/lib/weft/plugins"]
}
JSON

if [ -f "$state/weftd.pid" ] && kill -0 "$(cat "$state/weftd.pid")" 2>/dev/null; then
  kill "$(cat "$state/weftd.pid")"
  while kill -0 "$(cat "$state/weftd.pid")" 2>/dev/null; do sleep 0.1; done
fi
# Its own output goes to the log, so that nothing waiting on ours waits on it.
"$root/$build/bin/weftd" --config "$state/weftd.json" >>"$state/weftd.log" 2>&1 </dev/null &
echo $! > "$state/weftd.pid"
for _ in $(seq 100); do
  curl -fs http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break
  kill -0 "$(cat "$state/weftd.pid")" 2>/dev/null || { echo "weftd did not start:"; tail -20 "$state/weftd.log"; exit 1; }
  sleep 0.1
done

export WEFT_SERVER=http://127.0.0.1:8080 WEFT_TOKEN_FILE="$state/state/admin.token"
weft="$root/$build/bin/weft"
set -x
"$weft" apply -f "$root/etc/examples/fanout.json"
"$weft" run fanout --wait
run=$("$weft" runs --workflow fanout -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
"$weft" status "$run"
{ set +x; } 2>/dev/null
echo "+ GET /api/v1/runs/$run/results"  # by hand: set -x would print the token
curl -s -H "Authorization: Bearer $(cat "$WEFT_TOKEN_FILE")" "$WEFT_SERVER/api/v1/runs/$run/results" | python3 -m json.tool
cat <<TXT

weftd is still running (pid $(cat "$state/weftd.pid"), log $state/weftd.log). Try:
  export WEFT_SERVER=$WEFT_SERVER WEFT_TOKEN_FILE=$WEFT_TOKEN_FILE
  $weft runs
  $weft logs $run list
Stop it with: make stop
TXT
