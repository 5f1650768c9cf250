# ecustoms — the two commands of the README:
#   make run    install missing packages, build, create a demo SQLite database, serve on :8080
#   make test   install missing packages, build, run every test (unit, unit under ASan+UBSan and
#               the -O3 Release build, API, the web portal in chromium, libFuzzer harnesses
#               FUZZ_SECONDS each, the failover drill on a three-node PostgreSQL cluster)
BUILD      ?= build
ASAN_BUILD ?= build-asan
REL_BUILD  ?= build-release
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
DB         ?= var/demo.sqlite
LISTEN     ?= 127.0.0.1:8080
JOBS       ?= 2

# a readable log: no "Entering directory" from the sub-makes cmake drives
MAKEFLAGS += --no-print-directory

.PHONY: all deps build asan release fuzz ha-drill run test unit api api-release api-asan api-pg web screenshots format format-check clean

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DECUSTOMS_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)

# the packager's build: -O3 without debug info exposes warnings (-Werror) that -O2 does not
release: deps
	@cmake -S . -B $(REL_BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(REL_BUILD) -j$(JOBS)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c, clang-14): each runs FUZZ_SECONDS from its committed
# seed corpus (tests/fuzz/corpus/NAME, read-only: new inputs go to a scratch directory); a crash
# fails the target and leaves the input in $(FUZZ_BUILD)/artifacts/
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=Debug -DECUSTOMS_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
	@mkdir -p $(FUZZ_BUILD)/artifacts
	@set -e; for f in tests/fuzz/fuzz_*.c; do n=$$(basename $$f .c); c=tests/fuzz/corpus/$${n#fuzz_}; \
	    w=$$(mktemp -d); rc=0; \
	    $(FUZZ_BUILD)/$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_BUILD)/artifacts/ $$w $$c >$$w.log 2>&1 || rc=$$?; \
	    echo "$$n: $$(grep -o 'number_of_executed_units: [0-9]*' $$w.log) in $(FUZZ_SECONDS) s, exit $$rc"; \
	    if [ $$rc -ne 0 ]; then tail -40 $$w.log; rm -rf $$w $$w.log; exit 1; fi; \
	    rm -rf $$w $$w.log; done

# the failover drill (scripts/failover-drill.sh 50 20 6: registrations under load, SIGKILL of the
# primary's postmaster) on a throwaway three-node cluster (etcd + Patroni + PostgreSQL 15) in a
# folder and on ports of its own, torn down after; fails unless recovery < 10 s, nothing lost or
# duplicated and the audit chain verifies (docs/operations.md, "The drill in make test")
ha-drill: build
	@sh scripts/ha-drill-test.sh $(BUILD)/ecustoms

run: build
	@sh scripts/run-demo.sh $(BUILD)/ecustoms $(DB) $(LISTEN)

unit: build asan release
	ctest --test-dir $(BUILD) -L unit --output-on-failure
	ctest --test-dir $(REL_BUILD) -L unit --output-on-failure
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ctest --test-dir $(ASAN_BUILD) -L unit --output-on-failure

# the API suite runs against the release server and again against the ASan+UBSan server, whose
# sanitizer reports (leaks included, at shutdown) fail the run; then the same suite on PostgreSQL
# (a throwaway server the run starts itself: initdb in a temporary folder, removed after).
# The three passes share nothing (each its own databases, ports and servers), and each spends
# much of its time waiting on processes it starts, so two run at a time: ~10 minutes instead of
# ~15 (docs/performance.md, stop 25). Each pass's output is printed whole when it ends.
api: build asan
	@$(MAKE) -j2 --output-sync=target api-release api-asan api-pg

# the passes alone (no build step: `api` builds first, so that two passes never build at once)
api-release:
	python3 tests/api/run.py --binary $(BUILD)/ecustoms
api-asan:
	ASAN_OPTIONS=detect_leaks=1 python3 tests/api/run.py --binary $(ASAN_BUILD)/ecustoms
api-pg:
	python3 tests/api/run.py --binary $(BUILD)/ecustoms --pg

# the web portal in a real browser (Playwright + Debian's chromium); scripts/install-deps.sh (the
# deps target, under build) installs both, playwright-core by npm ci from tests/web/package-lock.json
web: build
	node tests/web/run.mjs --binary $(BUILD)/ecustoms

# the README's pictures of the main pages (docs/screenshots/)
screenshots: build
	node tests/web/run.mjs --binary $(BUILD)/ecustoms --screenshots

# the house style (.clang-format): every C file of src/ and tests/, as git lists them
FORMAT_FILES = $(shell git ls-files 'src/*.[ch]' 'tests/*.[ch]' 2>/dev/null)
format: deps
	@clang-format-14 -i $(FORMAT_FILES)
format-check: deps
	@clang-format-14 --dry-run --Werror $(FORMAT_FILES) || \
	    { echo "make format-check: run 'make format' (clang-format 14, .clang-format)"; exit 1; }
	@echo "format-check: $(words $(FORMAT_FILES)) files in the house style"

test: format-check unit api web fuzz ha-drill

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(REL_BUILD) $(FUZZ_BUILD)
