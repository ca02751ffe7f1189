#!/usr/bin/env bash
# scripts/check-deps.py as CI uses it. Usage: check_deps_test.sh BUILD_DIR CASE
#   covers   the check passes on this build tree
#   missing  checked as if install-deps.sh left nlohmann-json3-dev out (every
#            daemon part includes its headers), it fails and names the package
set -uo pipefail
check="$(dirname "$0")/../../scripts/check-deps.py"
build=$1
case $2 in
  covers) exec python3 "$check" "$build" ;;
  missing)
    out=$(python3 "$check" "$build" --without nlohmann-json3-dev)
    status=$?
    echo "$out"
    [ "$status" -eq 1 ] || { echo "FAIL: expected exit 1, got $status"; exit 1; }
    grep -q "from package nlohmann-json3-dev, which scripts/install-deps.sh does not install" <<<"$out" ||
      { echo "FAIL: the missing package is not named"; exit 1; } ;;
  *) echo "usage: check_deps_test.sh BUILD_DIR covers|missing" >&2; exit 2 ;;
esac
