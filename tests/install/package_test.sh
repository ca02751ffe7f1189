#!/usr/bin/env bash
# The Debian packages as an operator and a plugin author meet them, on this
# machine: build them from the build tree with CPack, lint them, install them
# with dpkg, start the installed weftd as its service user with the unit's own
# command line and capabilities, run the example workflow through the
# installed weft, build the SDK's example plugin against the installed
# weft-sdk-dev, then remove and purge them and check what each leaves behind.
#   package_test.sh BUILD_DIR
# Needs root (dpkg -i). It installs into the real /usr and /etc, so ctest runs
# it alone (RUN_SERIAL).
set -euo pipefail

build=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/weft-package-test.XXXXXX)
packages=(weftd weft weft-sdk-dev)
weftd_pid=

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup() {
  if [ -n "$weftd_pid" ]; then kill "$weftd_pid" 2>/dev/null || true; wait "$weftd_pid" 2>/dev/null || true; fi
  dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || fail "installs packages with dpkg: run the test suite as root (CI does)"
for tool in cpack dpkg-shlibdeps lintian setpriv; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps.sh"
done
# A run that was killed may have left its packages installed.
dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true

echo "== build the packages"
cpack --config "$build/CPackConfig.cmake" -B "$work/debs" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
debs=("$work"/debs/*.deb)
[ ${#debs[@]} -eq 3 ] || fail "expected 3 packages, got: ${debs[*]}"

echo "== lintian"
# Tags the packages keep are overridden in them, each with why; anything
# else of warning level or worse fails. (As root it says running as root is
# not recommended; that is a remark, not a finding.)
lintian --fail-on warning,error "${debs[@]}" ||
  fail "lintian found problems (above)"

echo "== install"
dpkg -i "${debs[@]}" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i failed"; }
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" | grep -q "install ok installed" || fail "$p is not installed"
done
id weft >/dev/null 2>&1 || fail "the account weft was not created"
id weft-task >/dev/null 2>&1 || fail "the account weft-task was not created"
id -nG weft-task | tr ' ' '\n' | grep -qx weft && fail "weft-task must not be in group weft"
[ "$(stat -c '%U:%G %a' /var/lib/weft)" = "weft:weft 711" ] ||
  fail "/var/lib/weft is $(stat -c '%U:%G %a' /var/lib/weft), expected weft:weft 711"
dpkg-query -W -f='${Conffiles}' weftd | grep -q "^ /etc/weft/weftd.json " ||
  fail "/etc/weft/weftd.json is not a conffile"
# This machine has no systemd as init: nothing may have been started.
pgrep -x -f '/usr/sbin/weftd.*' >/dev/null && fail "installing started weftd without systemd"

echo "== start the installed weftd as the unit does"
unit=/lib/systemd/system/weftd.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
[ -n "$exec_start" ] && [ -n "$user" ] && [ -n "$caps" ] || fail "cannot read ExecStart, User and AmbientCapabilities of $unit"
# An operator's edit of the conffile: a port of this test's own.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$port" <<'PY'
import json, sys
path = "/etc/weft/weftd.json"
config = json.load(open(path))
config["listen"] = "127.0.0.1:" + sys.argv[1]
json.dump(config, open(path, "w"), indent=2)
PY
# shellcheck disable=SC2086 # ExecStart is a command line: split it as systemd does
setpriv --reuid="$user" --regid="$user" --init-groups --inh-caps="$caps" --ambient-caps="$caps" \
  --bounding-set="-all,$caps" -- $exec_start >"$work/weftd.log" 2>&1 &
weftd_pid=$!
export WEFT_SERVER="http://127.0.0.1:$port"
for _ in $(seq 100); do
  curl -fs "$WEFT_SERVER/healthz" >/dev/null 2>&1 && break
  kill -0 "$weftd_pid" 2>/dev/null || { cat "$work/weftd.log"; fail "the installed weftd did not start"; }
  sleep 0.1
done
curl -fs "$WEFT_SERVER/healthz" >/dev/null || { cat "$work/weftd.log"; fail "the installed weftd does not answer"; }
[ "$(stat -c %U /var/lib/weft/admin.token)" = weft ] || fail "the admin token is not weft's"

echo "== run the example workflow through the installed weft"
# The installed weft finds the admin token through /etc/weft/weftd.json.
weft apply -f /usr/share/weft/examples/fanout.json
weft run fanout --wait || { cat "$work/weftd.log"; fail "the example run did not succeed"; }
run=$(weft runs --workflow fanout -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
results=$(curl -fs -H "Authorization: Bearer $(cat /var/lib/weft/admin.token)" "$WEFT_SERVER/api/v1/runs/$run/results")
grep -q "SHUTTLE" <<<"$results" || fail "the example's results lack its output: $results"
# Tasks run as the task account: the unit's capabilities let weftd switch.
cat >"$work/whoami.json" <<'JSON'
{"name": "whoami", "nodes": [{"id": "who", "type": "command",
  "params": {"argv": ["sh", "-c", "echo \"{\\\"user\\\": \\\"$(id -un)\\\"}\" > \"$WEFT_OUTPUT\""]}}]}
JSON
weft exec "$work/whoami.json" --wait || { cat "$work/weftd.log"; fail "a task could not run as the task account"; }
run=$(weft runs --workflow whoami -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
curl -fs -H "Authorization: Bearer $(cat /var/lib/weft/admin.token)" "$WEFT_SERVER/api/v1/runs/$run/results" |
  grep -q '"user": *"weft-task"' || fail "the task did not run as weft-task"
kill "$weftd_pid"
wait "$weftd_pid" || fail "weftd did not stop cleanly on SIGTERM (exit $?)"
weftd_pid=

echo "== build the SDK example against the installed weft-sdk-dev"
cp -r /usr/share/doc/weft-sdk-dev/examples/greet "$work/greet"
cmake -S "$work/greet" -B "$work/greet-build" -G Ninja -DCMAKE_CXX_FLAGS=-Werror >"$work/greet.log" 2>&1 &&
  cmake --build "$work/greet-build" >>"$work/greet.log" 2>&1 || { cat "$work/greet.log"; fail "the SDK example did not build"; }
[ -f "$work/greet-build/libweft-node-greet.so.2" ] || fail "the SDK example built no plugin"

echo "== remove"
installed_files() {
  for deb in "${debs[@]}"; do dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|' | grep -v '/$'; done
}
dpkg -r "${packages[@]}" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -r failed"; }
while read -r file; do
  [ "$file" = /etc/weft/weftd.json ] && continue # a conffile stays until purge
  [ -e "$file" ] && fail "$file is left after removal"
done < <(installed_files)
[ -f /etc/weft/weftd.json ] || fail "removal took the configuration; only purge may"
[ -f /var/lib/weft/weft.db ] || fail "removal took the state; only purge may"

echo "== purge"
dpkg --purge "${packages[@]}" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg --purge failed"; }
for left in /etc/weft /var/lib/weft /usr/lib/weft /usr/share/weft /usr/include/weft /usr/share/cmake/WeftSDK \
  /usr/share/doc/weftd /usr/share/doc/weft /usr/share/doc/weft-sdk-dev; do
  [ -e "$left" ] && fail "$left is left after purge"
done
if find /etc/systemd /var/lib/systemd -name '*weftd*' 2>/dev/null | grep -q .; then
  fail "purge left systemd state: $(find /etc/systemd /var/lib/systemd -name '*weftd*')"
fi
echo "PASS"
