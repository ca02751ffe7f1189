# The two commands of the README, and what they are made of.
#   make run    install what is missing, build, start weftd, run the example
#   make test   install what is missing, build, run every test
#   make package  the Debian packages, from the build tree
BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# ccache keys on paths relative to the checkout, so a second clone or build
# tree reuses what the first compiled.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all deps build run stop test test-sanitize package bench clean

all: build

deps:
	scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	scripts/run-example.sh $(BUILD)

stop:
	@if [ -f $(BUILD)/run/weftd.pid ]; then kill $$(cat $(BUILD)/run/weftd.pid) 2>/dev/null || true; rm -f $(BUILD)/run/weftd.pid; fi

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The Debian packages weftd, weft and weft-sdk-dev, into $(BUILD)/packages.
package: build
	cd $(BUILD) && cpack --config CPackConfig.cmake -B packages

# The same suite under AddressSanitizer and UBSan, in its own build tree.
# The fuzz targets replay their corpora here; make test fuzzes them, already
# under both sanitizers, so this suite does not fuzz them again.
test-sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWEFT_SANITIZE=ON -DWEFT_FUZZ_TESTS=OFF -DWEFT_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

bench: deps
	cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEFT_BUILD_TESTS=OFF
	cmake --build build-bench -j $(JOBS)
	build-bench/bin/weft-bench

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) build-bench
