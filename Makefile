# The README's two commands: `make run` and `make test`. Everything else supports them.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
HOST ?= 127.0.0.1
PORT ?= 1080
DIR ?= ./uploads
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: deps test-deps configure build run run-admin test check unit interop interop-s3 reliability fuzz fuzz-quick sanitize sanitize-build sanitize-run packages-build reliability-instrumented scale scale-instrumented interop-s3-instrumented mutants bench bench-admin bench-hooks bench-tls bench-s3 deb package-test packages clean

deps:
	@scripts/install-deps.sh

test-deps:
	@QTUS_TEST_DEPS=1 scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/server/qtusd --host $(HOST) --port $(PORT) --dir $(DIR)

run-admin: build
	$(BUILD_DIR)/gui/qtus-admin --host $(HOST) --port $(PORT) --dir $(DIR)

unit: test-deps build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

interop: test-deps build
	scripts/interop.sh $(BUILD_DIR)/server/qtusd

# the interop clients against qtusd's S3 store on a throw-away local Ceph RGW (stored bytes read back by GET)
interop-s3: test-deps build
	scripts/interop-s3.sh $(BUILD_DIR)/server/qtusd

# crash consistency (SIGKILL + restart) and slowloris load against the real qtusd (docs/reliability.md)
reliability: test-deps build
	scripts/reliability.sh $(BUILD_DIR)/server/qtusd

# libFuzzer harnesses under ASan+UBSan, FUZZ_SECONDS (default 60) each, in build-fuzz/
fuzz: test-deps
	@JOBS=$(JOBS) scripts/fuzz.sh

# what make test runs: every committed corpus replayed, then 2 s of new inputs per harness (two at a time)
fuzz-quick: test-deps
	@FUZZ_SECONDS=2 JOBS=$(JOBS) scripts/fuzz.sh

# the Qt Test suites and the interop run again, built with ASan+UBSan(+LSan) in build-asan/
sanitize: test-deps
	@JOBS=$(JOBS) scripts/sanitize.sh

# make sanitize in two stages, for make test (the Release build of the packages runs beside the tests)
sanitize-build: test-deps
	@SANITIZE_STEPS=build JOBS=$(JOBS) scripts/sanitize.sh

sanitize-run: test-deps
	@SANITIZE_STEPS=run JOBS=$(JOBS) scripts/sanitize.sh

# known bugs (tests/mutants/*.patch) applied one at a time: each must make its test fail (docs/testing.md)
mutants: deps
	@scripts/mutants.sh

# the quick loop while developing (about 5 minutes): everything but fuzz and sanitize
check: unit interop interop-s3 reliability scale

# every test: what CI runs; prints each stage's time. Every Qt Test suite and the interop
# clients run once, on the build instrumented with ASan+UBSan+LSan (make sanitize); the
# reliability tests drive that qtusd too; then the fuzzers (the long runs are make fuzz);
# then the Debian packages (make package-test, from a Release build of the programs alone),
# tested in the background while the fuzzers build and run.
# make check runs the same suites on the Release build.
test:
	@scripts/stages.sh sanitize-build packages-build\& sanitize-run reliability-instrumented scale-instrumented interop-s3-instrumented wait packages\& fuzz-quick wait

# the Release build make packages uses (build-deb/), on its own
packages-build:
	@BUILD_DIR=build-deb CMAKE_FLAGS=-DQTUS_BUILD_TESTS=OFF $(MAKE) --no-print-directory build >/dev/null

# make package-test on build-deb/: the programs and man pages only, no test suites
packages:
	@BUILD_DIR=build-deb CMAKE_FLAGS=-DQTUS_BUILD_TESTS=OFF $(MAKE) --no-print-directory package-test

# crash consistency and slowloris against the instrumented qtusd that make sanitize built
reliability-instrumented: test-deps
	scripts/reliability.sh build-asan/server/qtusd

# two qtusd behind nginx on one Ceph RGW bucket and one Redis (docs/scale-out.md): racing
# resumes, a node killed mid-PATCH, Redis restarted
scale: test-deps build
	tests/scale/two-nodes-test.sh $(BUILD_DIR)/server/qtusd

scale-instrumented: test-deps
	tests/scale/two-nodes-test.sh build-asan/server/qtusd

interop-s3-instrumented: test-deps
	scripts/interop-s3.sh build-asan/server/qtusd

# qtusd next to @tus/server on loopback; prints one table (see docs/performance.md)
bench:
	@scripts/bench.sh

# qtusd's S3 store next to boto3 on a local Ceph RGW: (a), (c), peak RSS, HEAD/s (docs/scale-out.md)
bench-s3: test-deps build
	@QTUSD=$(BUILD_DIR)/server/qtusd scripts/bench-s3.sh

# qtusd next to qtusd with an admin client watching (events + /metrics every second)
bench-admin:
	@BENCH_VARIANT=admin BENCH_ONLY=acd scripts/bench.sh

# qtusd next to qtusd telling a local hook service of every upload's progress (post-receive)
bench-hooks:
	@BENCH_VARIANT=hooks BENCH_ONLY=ac scripts/bench.sh

# HTTPS (--tls-cert) next to plain HTTP: (a) one 1 GiB PATCH and (d) HEAD on 32 connections
bench-tls:
	@BENCH_VARIANT=tls BENCH_ONLY=ad scripts/bench.sh

# the Debian packages qtus and qtus-admin from the Release build, as $(BUILD_DIR)/qtus_*.deb
# and $(BUILD_DIR)/qtus-admin_*.deb (docs/service.md)
deb: build
	@cd $(BUILD_DIR) && cpack -G DEB >/dev/null && ls -1 "$$PWD"/*.deb

# the packages as an operator meets them: lintian, the unit's rating, an install into a
# clean Debian 12 root with an upload as the qtus user (scripts/package-test.sh; root)
package-test: test-deps
	@BUILD_DIR=$(BUILD_DIR) scripts/package-test.sh

clean:
	rm -rf $(BUILD_DIR)
