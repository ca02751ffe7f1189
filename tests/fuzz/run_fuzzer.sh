#!/usr/bin/env bash
# One bounded fuzzing run, the test fuzz.<name>:
#   run_fuzzer.sh FUZZER SEED_CORPUS RUN_DIR SECONDS [DICTIONARY]
# Fuzzes for SECONDS (WEFT_FUZZ_SECONDS in the environment overrides it),
# starting from the seeds and from RUN_DIR/corpus, where libFuzzer keeps the
# inputs it found interesting, so that later runs on this tree start further.
# An input that crashes, leaks, hangs or trips a sanitizer fails the test; it
# is kept in RUN_DIR/artifacts and printed here in base64, so that a CI log
# is enough to reproduce it.
set -uo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 FUZZER SEED_CORPUS RUN_DIR SECONDS [DICTIONARY]" >&2
  exit 2
fi
fuzzer=$1 seeds=$2 run_dir=$3 seconds=${WEFT_FUZZ_SECONDS:-$4} dictionary=${5:-}
if [ ! -x "$fuzzer" ]; then
  echo "run_fuzzer: no fuzzer at $fuzzer; the test fuzz.build builds it" >&2
  exit 1
fi
mkdir -p "$run_dir/corpus" "$run_dir/artifacts"
started="$run_dir/started"
touch "$started"

options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
  -artifact_prefix="$run_dir/artifacts/")
[ -n "$dictionary" ] && options+=(-dict="$dictionary")
"$fuzzer" "${options[@]}" "$run_dir/corpus" "$seeds"
status=$?
[ $status -eq 0 ] && exit 0

echo
echo "run_fuzzer: $(basename "$fuzzer") failed (exit status $status)."
find "$run_dir/artifacts" -type f -newer "$started" | while read -r input; do
  echo "The input is $input ($(stat -c %s "$input") bytes); reproduce with: $fuzzer $input"
  echo "Once fixed, add it to $seeds and write a unit test for it. Its bytes in base64:"
  head -c 65536 "$input" | base64
done
exit 1
