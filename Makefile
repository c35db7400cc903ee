# memsim - find kernel memory leaks in vmcores with crash.
#
#   make          build extension/memsim.so
#   make deps     install what the build and tests need (Debian bookworm, as root)
#   make demo     deps, build, one sample dump, memsim run in crash on it
#   make check    deps, build, every test (unit, sanitizers, fuzz-short, integration)
#   make fuzz     each libFuzzer target for FUZZ_SECONDS (default 300); corpora grow under
#                 ~/.cache/memsim/fuzz ($MEMSIM_CACHE/fuzz), findings land there too
#   make fuzz-short  the same, 15 s per target (make check runs it)
#   make check-fresh  the sample kernel, module and two dumps made into an empty cache, tested
#   make bench    walk, floor and end to end on four bench dumps; writes docs/PERFORMANCE.md
#                 and docs/bench.svg
#   make install  memsim.so where crash's "extend memsim.so" finds it, and the manual
#                 (DESTDIR and PREFIX honoured; PREFIX=/usr); make uninstall removes them
#   make deb      build/memsim_VERSION_ARCH.deb (dpkg-deb); make lint-deb checks it with lintian
#   make version  print the version this tree builds

CC      ?= gcc
ARCH_DEF = -DX86_64
WARN     = -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -fPIC $(WARN) -D_GNU_SOURCE
DEPFLAGS = -MMD -MP
LIBS     = -ldw -lelf -lxxhash -lm -pthread

# The version: VERSION, plus the commit and whether tracked files differ from it when the
# tree is a git checkout of its own (a tarball, or the sources copied elsewhere, give VERSION
# alone; sources copied without VERSION give "unknown").  Every object of extension/ and
# analysis/ is compiled with it and depends on $(VERSION_STAMP), which is rewritten only when
# the string changes.  git status without optional locks: make must not take the index lock
# from a commit running at the same time.  make MEMSIM_VERSION=... sets it outright.
ifneq ($(wildcard VERSION),)
VERSION_BASE := $(shell sed -n '1{/^[0-9][A-Za-z0-9.+~]*$$/p;}' VERSION)
ifeq ($(VERSION_BASE),)
$(error VERSION: its first line is no version (a digit, then letters, digits, '.', '+' or '~'))
endif
else
VERSION_BASE := unknown
endif
GIT_TOP := $(shell git rev-parse --show-toplevel 2>/dev/null)
ifeq ($(GIT_TOP),$(realpath $(CURDIR)))
GIT_HASH  := $(shell git rev-parse --short HEAD 2>/dev/null)
GIT_DIRTY := $(if $(shell GIT_OPTIONAL_LOCKS=0 git status --porcelain --untracked-files=no \
		2>/dev/null),-dirty)
endif
MEMSIM_VERSION ?= $(VERSION_BASE)$(if $(GIT_HASH),+g$(GIT_HASH)$(GIT_DIRTY))
VERSION_DEF    = -DMEMSIM_VERSION=\"$(MEMSIM_VERSION)\"

BUILD   ?= build
SO      ?= extension/memsim.so
ANALYSIS_SRC = $(sort $(wildcard analysis/*.c))
ANALYSIS_OBJ = $(ANALYSIS_SRC:%.c=$(BUILD)/%.o)
EXT_SRC      = $(sort $(wildcard extension/*.c))
EXT_OBJ      = $(EXT_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC     = $(sort $(wildcard tests/unit/*.c))
# The fuzz targets too, each under its own name, to replay the findings in tests/fuzz/regress.
UNIT_FUZZ    = $(sort $(wildcard tests/fuzz/fuzz_*.c)) tests/fuzz/json_check.c
UNIT_FUZZ_FLAGS = -DMS_FUZZ_IN_UNIT -Itests/unit -Itests/fuzz \
		  -DMS_FUZZ_REGRESS=\"$(abspath tests/fuzz/regress)\"

SAN_BUILD    = $(BUILD)/san
SAN_FLAGS    = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_OBJ      = $(ANALYSIS_SRC:%.c=$(SAN_BUILD)/%.o)

DEB_PKGS = gcc make crash libdw-dev libelf-dev libxxhash-dev libcunit1-dev pkg-config \
	   qemu-system-x86 busybox-static cpio xz-utils python3 python3-jsonschema \
	   python3-drgn kmod tmux debootstrap binutils gnuplot-nox kexec-tools makedumpfile \
	   clang libclang-rt-14-dev dpkg-dev lintian gdb

.PHONY: all deps demo check check-fresh fresh-samples check-kernels unit unit-san unit-tsan integration bench calibrate \
	clean samples fuzz fuzz-short fuzz-build version install uninstall deb lint-deb FORCE

all: $(SO)

version:
	@echo $(MEMSIM_VERSION)

VERSION_STAMP = $(BUILD)/version.stamp
$(VERSION_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(MEMSIM_VERSION)' | cmp -s - $@ || echo '$(MEMSIM_VERSION)' >$@

# The library's functions are memsim.so's own (hidden): calls between them are direct, not
# through the PLT, and the compiler may inline them (the engine calls some per object).
$(BUILD)/analysis/%.o: analysis/%.c $(VERSION_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fvisibility=hidden $(VERSION_DEF) $(DEPFLAGS) -Ianalysis -c $< -o $@

# The adapter sees crash's defs.h; the analysis library never does.
$(BUILD)/extension/%.o: extension/%.c $(VERSION_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ARCH_DEF) $(VERSION_DEF) $(DEPFLAGS) -Ianalysis -I/usr/include/crash \
		-Wno-sign-compare -Wno-missing-field-initializers -c $< -o $@

$(BUILD)/libmsanalysis.a: $(ANALYSIS_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SO): $(EXT_OBJ) $(BUILD)/libmsanalysis.a
	$(CC) $(LDFLAGS) -shared -o $@ $(EXT_OBJ) $(BUILD)/libmsanalysis.a $(LIBS)

# Structs compiled with -g into a relocatable object (like a module) for the owner tests.
FIXTURE = $(BUILD)/fixtures/owner_fixture.o
$(FIXTURE): tests/unit/fixtures/owner_fixture.c
	@mkdir -p $(dir $@)
	$(CC) -g -O0 -c $< -o $@

tests/unit/run_unit: $(UNIT_SRC) $(UNIT_FUZZ) $(BUILD)/libmsanalysis.a $(FIXTURE)
	$(CC) $(CFLAGS) -Ianalysis $(UNIT_FUZZ_FLAGS) -DMS_OWNER_FIXTURE=\"$(abspath $(FIXTURE))\" \
		-o $@ $(UNIT_SRC) $(UNIT_FUZZ) $(BUILD)/libmsanalysis.a -lcunit $(LIBS)

# The clustering engine alone on synthetic slabs (make bench runs it too).
ENGINE_BENCH = $(BUILD)/engine_bench
$(ENGINE_BENCH): tests/bench/engine_bench.c tests/unit/fake_kernel.c tests/unit/synth.c \
		$(BUILD)/libmsanalysis.a
	$(CC) $(CFLAGS) -Ianalysis -Itests/unit -o $@ $(filter %.c,$^) $(BUILD)/libmsanalysis.a $(LIBS)

# Owner confidence against real structs of a vmlinux (docs/CALIBRATION.md; make calibrate).
CALIBRATE = $(BUILD)/calibrate
$(CALIBRATE): tests/calibrate/calibrate.c $(BUILD)/libmsanalysis.a
	$(CC) $(CFLAGS) -Ianalysis -o $@ $< $(BUILD)/libmsanalysis.a $(LIBS)

$(SAN_BUILD)/analysis/%.o: analysis/%.c $(VERSION_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE $(SAN_FLAGS) $(VERSION_DEF) $(DEPFLAGS) -Ianalysis \
		-c $< -o $@

tests/unit/run_unit_san: $(UNIT_SRC) $(UNIT_FUZZ) $(SAN_OBJ) $(FIXTURE)
	$(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE $(SAN_FLAGS) -DMEMSIM_SANITIZED -Ianalysis \
		$(UNIT_FUZZ_FLAGS) -DMS_OWNER_FIXTURE=\"$(abspath $(FIXTURE))\" -o $@ \
		$(UNIT_SRC) $(UNIT_FUZZ) $(SAN_OBJ) -lcunit $(LIBS)

# The feeder's two threads under ThreadSanitizer (its suite only: the rest is one thread).
tests/unit/run_unit_tsan: $(UNIT_SRC) $(UNIT_FUZZ) $(ANALYSIS_SRC) $(FIXTURE) $(VERSION_STAMP)
	$(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE -O1 -g -fsanitize=thread $(VERSION_DEF) -Ianalysis \
		$(UNIT_FUZZ_FLAGS) -DMS_OWNER_FIXTURE=\"$(abspath $(FIXTURE))\" -o $@ $(UNIT_SRC) \
		$(UNIT_FUZZ) $(ANALYSIS_SRC) -lcunit $(LIBS)

unit-tsan: tests/unit/run_unit_tsan
	TSAN_OPTIONS=halt_on_error=1 ./tests/unit/run_unit_tsan feeder

# libFuzzer targets (tests/fuzz/), one per input surface, built with clang against the
# analysis sources under AddressSanitizer and UndefinedBehaviorSanitizer.
FUZZ_CC       ?= clang
FUZZ_BUILD     = $(BUILD)/fuzz
FUZZ_CFLAGS    = -std=gnu11 $(WARN) -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer \
		 -fno-sanitize-recover=undefined
FUZZ_OBJ       = $(ANALYSIS_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_TARGETS   = freelist engine dwarf_cache json
FUZZ_BINS      = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_SECONDS  ?= 300
FUZZ_SHORT_SECONDS ?= 15
FUZZ_DIR      ?= $(or $(MEMSIM_CACHE),$(HOME)/.cache/memsim)/fuzz
FUZZ_SEEDS     = $(FUZZ_BUILD)/seeds/.made

$(FUZZ_BUILD)/analysis/%.o: analysis/%.c $(VERSION_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined $(VERSION_DEF) \
		$(DEPFLAGS) -Ianalysis -c $< -o $@

FUZZ_EXTRA_engine = tests/unit/fake_kernel.c tests/fuzz/json_check.c
FUZZ_EXTRA_json   = tests/fuzz/json_check.c
.SECONDARY: $(FUZZ_OBJ)
.SECONDEXPANSION:
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_EXTRA_$$*) tests/fuzz/fuzz.h \
		tests/fuzz/json_check.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -Ianalysis -Itests/unit \
		-o $@ $(filter %.c,$^) $(FUZZ_OBJ) $(LIBS)

# Seed corpora, made from the unit tests' synthetic objects and fixture (tests/fuzz/seeds.c).
$(FUZZ_SEEDS): tests/fuzz/seeds.c tests/unit/synth.c tests/unit/fake_kernel.c \
		$(BUILD)/libmsanalysis.a $(FIXTURE)
	@mkdir -p $(FUZZ_BUILD)
	$(CC) $(CFLAGS) -Ianalysis -Itests/unit -DMS_OWNER_FIXTURE=\"$(abspath $(FIXTURE))\" \
		-o $(FUZZ_BUILD)/seeds-gen $(filter %.c,$^) $(BUILD)/libmsanalysis.a $(LIBS)
	rm -rf $(FUZZ_BUILD)/seeds && $(FUZZ_BUILD)/seeds-gen $(FUZZ_BUILD)/seeds && touch $@

fuzz-build: $(FUZZ_BINS) $(FUZZ_SEEDS)

fuzz: fuzz-build
	FUZZ_DIR=$(FUZZ_DIR) ./tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

# Short: from the seeds and 200 inputs drawn from the corpus (replaying all of it would
# take longer than the run itself as it grows).
fuzz-short: fuzz-build
	FUZZ_DIR=$(FUZZ_DIR) FUZZ_SAMPLE=200 ./tests/fuzz/run.sh $(FUZZ_SHORT_SECONDS) \
		$(FUZZ_BUILD) $(FUZZ_TARGETS)

deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "deps: all present"; fi

unit: tests/unit/run_unit
	./tests/unit/run_unit

unit-san: tests/unit/run_unit_san
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./tests/unit/run_unit_san

samples: deps
	./samples/make-samples.sh

# Each test says how long it took (tests/timed.sh), so a CI log shows where its time goes.
TIMED = ./tests/timed.sh
integration: extension/memsim.so samples
	$(TIMED) ./tests/integration/run.sh
	python3 tests/integration/calibration.py build/integration/*/results.jsonl
	$(TIMED) ./tests/integration/triage.sh
	$(TIMED) ./tests/integration/tracks.sh
	$(TIMED) ./tests/integration/meminfo.sh
	$(TIMED) ./tests/integration/equal-reports.sh
	$(TIMED) ./tests/integration/corrupt-freelist.sh
	$(TIMED) ./tests/integration/damage.sh
	$(TIMED) ./tests/integration/interrupt.sh
	$(TIMED) ./tests/integration/bad-options.sh
	$(TIMED) ./tests/integration/fatal.sh
	$(TIMED) ./tests/integration/install.sh

demo: deps
	$(MAKE) all
	./samples/make-samples.sh kmalloc32-fn
	./tests/integration/demo.sh

check: deps
	$(MAKE) all tests/unit/run_unit tests/unit/run_unit_san tests/unit/run_unit_tsan
	$(MAKE) unit
	$(MAKE) unit-san
	$(MAKE) unit-tsan
	$(MAKE) fuzz-short
	$(MAKE) integration

# What a new user's first make check does, proven on every run: the kernel fetched, the
# sample module built and dumps made into an EMPTY cache, under the same make nesting as
# make check (a tool's chatter on stdout must not reach a path), then tested in crash.
FRESH_SCENARIOS = kmalloc32-fn inotify-events
check-fresh: deps all
	@tmp=$$(mktemp -d /tmp/memsim-fresh.XXXXXX); \
	MEMSIM_CACHE=$$tmp/cache MEMSIM_TEST_OUT=$$tmp/out $(MAKE) fresh-samples; rc=$$?; \
	rm -rf "$$tmp"; exit $$rc

fresh-samples:
	./samples/make-samples.sh $(FRESH_SCENARIOS)
	./tests/integration/run.sh $(FRESH_SCENARIOS)

# The other kernel generations (5.10, 6.12, 7.x): each suite's chroot, kernel and dumps are
# made once under ~/.cache/memsim; then the same tests, and docs/SUPPORT.md from all results.
# SLUB's tracks and checks on the redzone sample (slub_debug=FZPU: tracks, stacks, red zones,
# orig_size's width); make integration checks both slub_debug samples on 6.1.
KERNELS = 5.10 6.12 7.x
check-kernels: deps all
	@set -e; for k in $(KERNELS); do \
		start=$$(date +%s); \
		KERNEL=$$k $(TIMED) ./samples/make-samples.sh; \
		KERNEL=$$k $(TIMED) ./tests/integration/run.sh; \
		KERNEL=$$k $(TIMED) ./tests/integration/triage.sh; \
		KERNEL=$$k $(TIMED) ./tests/integration/tracks.sh redzone; \
		KERNEL=$$k $(TIMED) ./tests/integration/meminfo.sh; \
		echo "check-kernels: $$k took $$(( $$(date +%s) - start )) s"; \
	done
	python3 tests/integration/matrix.py docs/SUPPORT.md build/integration/*/results.jsonl \
		$${MEMSIM_CACHE:-$$HOME/.cache/memsim}/build/integration/*/results.jsonl
	python3 tests/integration/calibration.py build/integration/*/results.jsonl \
		$${MEMSIM_CACHE:-$$HOME/.cache/memsim}/build/integration/*/results.jsonl

bench: deps all
	./tests/bench/run.sh

calibrate: deps all $(CALIBRATE)
	./tests/calibrate/run.sh

# make install: crash's "extend memsim.so" (no path) looks in ./, $CRASH_EXTENSIONS,
# /usr/lib64/crash/extensions (64-bit), /usr/lib/crash/extensions, then ./extensions
# (crash's extensions.c); Debian's crash ships its own extensions in /usr/lib/crash/extensions.
# With another PREFIX, crash finds it only through CRASH_EXTENSIONS=$(PREFIX)/lib/crash/extensions.
PREFIX  ?= /usr
EXTDIR  ?= $(PREFIX)/lib/crash/extensions
DOCDIR  ?= $(PREFIX)/share/doc/memsim
INSTALL ?= install
DOCS     = docs/memsim.md docs/json-schema.md docs/memsim-report.schema.json \
           docs/memsim-triage.schema.json docs/memsim-meminfo.schema.json

install: $(SO)
	$(INSTALL) -d $(DESTDIR)$(EXTDIR) $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0644 $(SO) $(DESTDIR)$(EXTDIR)/memsim.so
	$(INSTALL) -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/

# The extensions directory stays: it is crash's.
uninstall:
	rm -f $(DESTDIR)$(EXTDIR)/memsim.so $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# make deb: memsim.so built again with Debian's build flags (dpkg-buildflags with every
# hardening feature: stack protector, fortify, relro and bindnow) from scratch into
# $(DEB_BUILD)/obj, then packaged by packaging/make-deb.sh; make lint-deb runs lintian on it.
# The package's version is the build's with a Debian revision, -1 (lintian reads a version
# without one as a native package's, which has a changelog.gz), and any '-' in it made '.':
# 0.9.0+gd347f8c -> 0.9.0+gd347f8c-1, 0.9.0+gd347f8c-dirty -> 0.9.0+gd347f8c.dirty-1.
DEB_BUILD    = $(BUILD)/deb
DEB_VERSION  = $(subst -,.,$(MEMSIM_VERSION))-1
DEB_FILE     = $(BUILD)/memsim_$(DEB_VERSION)_$(shell dpkg --print-architecture).deb

DEB_BUILD_MAINT_OPTIONS ?= hardening=+all

deb:
	rm -rf $(DEB_BUILD)
	export DEB_BUILD_MAINT_OPTIONS='$(DEB_BUILD_MAINT_OPTIONS)'; \
	CFLAGS="$$(dpkg-buildflags --get CFLAGS) $$(dpkg-buildflags --get CPPFLAGS)" \
		LDFLAGS="$$(dpkg-buildflags --get LDFLAGS)" $(MAKE) BUILD=$(DEB_BUILD)/obj \
		SO=$(DEB_BUILD)/obj/memsim.so MEMSIM_VERSION='$(MEMSIM_VERSION)' $(DEB_BUILD)/obj/memsim.so
	./packaging/make-deb.sh $(DEB_BUILD)/obj/memsim.so '$(MEMSIM_VERSION)' '$(DEB_VERSION)' \
		$(DEB_FILE)

lint-deb: deb
	lintian --fail-on error,warning $(DEB_FILE)

clean:
	rm -rf $(BUILD) extension/memsim.so tests/unit/run_unit tests/unit/run_unit_san \
		tests/unit/run_unit_tsan

-include $(ANALYSIS_OBJ:.o=.d) $(EXT_OBJ:.o=.d) $(SAN_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
