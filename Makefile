# The README's two commands: `make run` and `make test`. Everything else supports them.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
HOST ?= 127.0.0.1
PORT ?= 1080
DIR ?= ./uploads
JOBS ?= $(shell nproc)

.PHONY: deps test-deps configure build run run-admin test unit interop reliability bench clean

deps:
	@scripts/install-deps.sh

test-deps:
	@QTUS_TEST_DEPS=1 scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

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

# crash consistency (SIGKILL + restart) and slowloris load against the real qtusd (docs/reliability.md)
reliability: test-deps build
	scripts/reliability.sh $(BUILD_DIR)/server/qtusd

test: unit interop reliability

# qtusd next to @tus/server on loopback; prints one table (see docs/performance.md)
bench:
	@scripts/bench.sh

clean:
	rm -rf $(BUILD_DIR)
