#!/usr/bin/env bash
# The project's static checks, as CI runs them:
#   scripts/lint.sh                 every C and C++ file formatted as .clang-format says
#   scripts/lint.sh --fix           rewrite the files instead
#   scripts/lint.sh --tidy BUILD    clang-tidy (.clang-tidy) over BUILD's compile database
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.c' '*.h')
case "${1:-}" in
  --fix) clang-format -i "${files[@]}" ;;
  --tidy)
    build=${2:?usage: scripts/lint.sh --tidy BUILD_DIR}
    # Every translation unit of ours in the compile database; -quiet keeps the
    # output to the findings, and any finding fails (WarningsAsErrors).
    # -Wno-unknown-warning-option: clang does not know some of GCC's flags in the database.
    run-clang-tidy -p "$build" -j "$(nproc)" -quiet -extra-arg=-Wno-unknown-warning-option "$(pwd)/(daemon|client|cli|harness|plugins|sdk|bench|tests|examples|web)/" ;;
  "") clang-format --dry-run --Werror "${files[@]}" ;;
  *) echo "usage: scripts/lint.sh [--fix | --tidy BUILD_DIR]" >&2; exit 2 ;;
esac
