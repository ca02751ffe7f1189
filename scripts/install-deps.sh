#!/usr/bin/env bash
# Installs what building, running and testing weft needs, from Debian 12's
# packages. Idempotent and quiet when everything is there already.
#   scripts/install-deps.sh          install what is missing
#   scripts/install-deps.sh --list   print the packages, one a line
# This list is the only one: scripts/check-deps.py fails CI when the build
# uses a file from a package that is neither here nor a dependency of one here.
# Then the npm packages of scripts/npm and web, pinned by their package-lock.json.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates ccache
  # libraries the build links or includes; Boost: Asio and DLL are header-only
  libboost-dev nlohmann-json3-dev libspdlog-dev libpoco-dev libsqlite3-dev libpq-dev libssl-dev
  libgtest-dev libgmock-dev
  # what make run, the tests and the static checks run
  curl sqlite3 python3 clang-format clang-tidy
  # the single-node Slurm the slurm executor's tests start: scripts/slurm-local.sh
  munge slurmctld slurmd slurm-client
  # its REST API for the rest transport, and the JWT auth that slurmrestd needs
  slurmrestd slurm-wlm-jwt-plugin
  # openssl makes the certificates of the fake HTTPS servers in the tests
  openssl
  # the fuzz tests: clang builds the targets, libFuzzer comes with its runtime,
  # llvm-14 has the symbolizer that makes the sanitizers' stack traces readable
  clang-14 libclang-rt-14-dev llvm-14
  # the PostgreSQL server that the postgres store tests start
  postgresql
  # node runs the OpenAPI checks of the tests and bundles the web page; npm,
  # with it, installs scripts/npm and web
  nodejs
  # the real headless browser that the web page's tests and bench drive
  chromium chromium-driver
  # the package test lints the Debian packages it builds
  lintian
)

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs comes without npm, which is a package of its own; other
# builds of nodejs bring it along.
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# scripts/npm: Swagger UI's assets (built into weftd for /api/docs) and the
# validators of the OpenAPI tests. web: the web page's bundler and graph
# layout library, and the driver of its browser tests. Install scripts stay
# off: these packages need none (esbuild finds its binary in its platform
# package, and playwright-core drives Debian's chromium, downloading none).
# npm ls fails when a package is missing or not the pinned version, also when
# node_modules was installed once and a package has gone since.
for npm_dir in "$root/scripts/npm" "$root/web"; do
  if [ ! -f "$npm_dir/node_modules/.package-lock.json" ] ||
    [ "$npm_dir/package-lock.json" -nt "$npm_dir/node_modules/.package-lock.json" ] ||
    ! npm ls --prefix "$npm_dir" >/dev/null 2>&1; then
    echo "install-deps: installing the npm packages of ${npm_dir#"$root"/}"
    npm ci --prefix "$npm_dir" --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
  fi
done
