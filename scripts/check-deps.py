#!/usr/bin/env python3
"""Fails when a build used a file that a fresh Debian machine would not have.

A machine where packages were once installed by hand builds fine whether or
not scripts/install-deps.sh names them, so a green build proves nothing about
the install script. This check looks at what the build actually used, not at
what the machine has:

  - every header the compiler read (ninja's dependency log),
  - every file and directory CMake found (the cache: packages, libraries,
    tools, the compiler itself),
  - every library on a link line (absolute paths and -l flags),

keeps those outside the source and build trees, asks dpkg which package owns
each, and requires that package to be installed by install-deps.sh: named
there, a dependency of one named there, or Priority: required (every Debian
system has those). A used file that no package owns (say, under /usr/local)
fails too: a fresh machine has no such file.

Usage: scripts/check-deps.py BUILD_DIR [--without PACKAGE ...]
  --without  check as if install-deps.sh did not name PACKAGE (the check's
             own test uses it to show that a missing package is caught)
Exit 0 when every used package is installed by the script, 1 otherwise
(naming each missing package and one file that needed it), 2 on bad usage.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+")


def run(args):
    result = subprocess.run(args, text=True, capture_output=True)
    return result.stdout


def outside(path, build):
    real = os.path.realpath(path)
    return not (real.startswith(ROOT + os.sep) or real.startswith(os.path.realpath(build) + os.sep))


def headers(build):
    """Every file the compiler read, from ninja's deps log (indented lines)."""
    for line in run(["ninja", "-C", build, "-t", "deps"]).splitlines():
        if line.startswith(" ") and line.strip().startswith("/"):
            yield line.strip()


def cmake_cache_paths(build):
    """Files CMake found (FILEPATH entries: libraries, tools, the compiler)
    and the packages it found (<Pkg>_DIR entries), by their config file."""
    with open(os.path.join(build, "CMakeCache.txt")) as cache:
        for line in cache:
            m = re.match(r"([^:#/]+):(FILEPATH|PATH|INTERNAL)=(/.+)$", line.strip())
            if not m:
                continue
            key, kind, value = m.groups()
            if kind == "FILEPATH" and os.path.isfile(value):
                yield value
            elif key.endswith("_DIR") and os.path.isdir(value):
                configs = sorted(f for f in os.listdir(value) if f.endswith(".cmake"))
                if configs:
                    yield os.path.join(value, configs[0])


def linked_libraries(build):
    """Libraries on link lines: absolute paths, and -l flags resolved the way
    the compiler resolves them."""
    commands = run(["ninja", "-C", build, "-t", "commands"])
    names = set()
    for line in commands.splitlines():
        if " -o " not in line:
            continue
        for word in shlex.split(line, posix=True):
            if word.startswith("/") and re.search(r"\.(so(\.\d+)*|a)$", word):
                yield word
            elif word.startswith("-l") and len(word) > 2:
                names.add(word[2:])
    for name in sorted(names):
        found = run(["c++", f"-print-file-name=lib{name}.so"]).strip()
        if not found.startswith("/"):
            found = run(["c++", f"-print-file-name=lib{name}.a"]).strip()
        if found.startswith("/"):
            yield os.path.normpath(found)


def file_owners():
    """Every file dpkg installed, with its package: one read of dpkg's lists
    instead of a dpkg-query per file."""
    owners = {}
    info = "/var/lib/dpkg/info"
    for name in os.listdir(info):
        if name.endswith(".list"):
            package = name[:-len(".list")].split(":")[0]
            with open(os.path.join(info, name), errors="replace") as files:
                for line in files:
                    owners.setdefault(line.rstrip("\n"), package)
    return owners


def owner_of(path, owners):
    """The package that owns path, by the path as given or as resolved; a
    merged /usr makes /lib/x and /usr/lib/x the same file."""
    for candidate in (path, os.path.realpath(path)):
        for name in (candidate, candidate[4:] if candidate.startswith("/usr/") else "/usr" + candidate):
            if name in owners:
                return owners[name]
    return None


def installed_by_script(without):
    listed = run([os.path.join(ROOT, "scripts", "install-deps.sh"), "--list"]).split()
    listed = [p for p in listed if p not in without]
    names = set(listed)
    depends = run(["apt-cache", "depends", "--recurse", "--installed", "--no-recommends", "--no-suggests",
                   "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", *listed])
    for line in depends.splitlines():
        word = line.strip().split(":", 1)[-1].strip().strip("<>").split(":")[0]
        if PACKAGE_NAME.fullmatch(word):
            names.add(word)
    for line in run(["dpkg-query", "-W", "-f", "${Package} ${Priority} ${Essential}\n"]).splitlines():
        fields = line.split()
        if len(fields) >= 2 and (fields[1] == "required" or fields[-1] == "yes"):
            names.add(fields[0])
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("--without", action="append", default=[])
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.build, "build.ninja")):
        print(f"check-deps: {args.build} is not a configured build tree (no build.ninja)", file=sys.stderr)
        return 2

    used = {}
    for source in (headers, cmake_cache_paths, linked_libraries):
        for path in source(args.build):
            if outside(path, args.build):
                used.setdefault(os.path.normpath(path), source.__name__)

    needed = {}  # package -> one file that needed it
    unowned = []
    owners = file_owners()
    for path in sorted(used):
        pkg = owner_of(path, owners)
        if pkg is None:
            unowned.append(path)
        else:
            needed.setdefault(pkg, path)

    have = installed_by_script(set(args.without))
    missing = sorted(p for p in needed if p not in have)
    for pkg in missing:
        print(f"check-deps: the build used {needed[pkg]} from package {pkg}, "
              f"which scripts/install-deps.sh does not install; add {pkg} to its list")
    for path in unowned:
        print(f"check-deps: the build used {path} ({used[path]}), which no Debian package owns; "
              "a fresh machine does not have it")
    print(f"check-deps: {len(used)} files from {len(needed)} packages used, "
          f"{len(missing)} packages missing from scripts/install-deps.sh, {len(unowned)} files from no package")
    return 1 if missing or unowned else 0


if __name__ == "__main__":
    sys.exit(main())
