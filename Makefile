# ecustoms — the two commands of the README:
#   make run    install missing packages, build, create a demo SQLite database, serve on :8080
#   make test   install missing packages, build, run every test (unit, unit under ASan+UBSan, API,
#               the web portal in chromium)
BUILD      ?= build
ASAN_BUILD ?= build-asan
DB         ?= var/demo.sqlite
LISTEN     ?= 127.0.0.1:8080
JOBS       ?= 2

# a readable log: no "Entering directory" from the sub-makes cmake drives
MAKEFLAGS += --no-print-directory

.PHONY: all deps build asan run test unit api web screenshots clean

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DECUSTOMS_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)

run: build
	@sh scripts/run-demo.sh $(BUILD)/ecustoms $(DB) $(LISTEN)

unit: build asan
	ctest --test-dir $(BUILD) -L unit --output-on-failure
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure

# the API suite runs against the release server and again against the ASan+UBSan server, whose
# sanitizer reports (leaks included, at shutdown) fail the run
api: build asan
	python3 tests/api/run.py --binary $(BUILD)/ecustoms
	ASAN_OPTIONS=detect_leaks=1 python3 tests/api/run.py --binary $(ASAN_BUILD)/ecustoms

# the web portal in a real browser (Playwright + Debian's chromium); npm ci when the lock changed
web: build
	@cd tests/web && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }
	node tests/web/run.mjs --binary $(BUILD)/ecustoms

# the README's pictures of the main pages (docs/screenshots/)
screenshots: build
	@cd tests/web && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; }
	node tests/web/run.mjs --binary $(BUILD)/ecustoms --screenshots

test: unit api web

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
