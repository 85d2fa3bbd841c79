# igconnect: one non-recursive GNU Makefile.
#
#   make               core library, every fcgi/ program, the tools
#   make test          every test (unit, endpoint, end to end, the clients,
#                      the demo page in a browser) on a real
#                      PostgreSQL, nginx and the fake of Meta; SAN=1 runs
#                      the same suite under ASan + UBSan
#   make unit          the unit tests alone: no apt-get, no services
#   make faults        the fault suite at full scale, with its figures
#                      (tests/faults/run, tests/faults/README.md)
#   make bench         the benchmark suite (bench/run, bench/RESULTS.md)
#   make run / stop    the local stack on http://127.0.0.1:8080
#   make deps          install the Debian packages we need (idempotent)
#   make fuzz          every libFuzzer target of tests/fuzz/ for FUZZ_SECONDS
#                      (60) each, FUZZ_TARGETS="meta jwt" for some of them
#   make install       PREFIX=/usr/local DESTDIR=: programs, tools, SQL,
#                      samples, systemd units, tmpfiles.d and sysusers.d
#   make deb           igconnect_VERSION_ARCH.deb (deploy/debian/)

PREFIX	?= /usr/local
SYSCONFDIR ?= /etc
BINDIR	 = $(PREFIX)/bin
LIBEXEC	 = $(PREFIX)/libexec/igconnect
SHARE	 = $(PREFIX)/share/igconnect
UNITDIR	?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d

# The version lives in core/ig.h alone; the package takes it from there.
VERSION	:= $(shell sed -n 's/.*define IG_VERSION[[:space:]]*"\(.*\)"/\1/p' core/ig.h)
DEBARCH	:= $(shell dpkg --print-architecture 2>/dev/null)
DEB	 = igconnect_$(VERSION)_$(DEBARCH).deb

CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Wpedantic \
	   -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
	   -Wwrite-strings -Wvla -Wimplicit-fallthrough
HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
LDHARDEN = -pie -Wl,-z,relro,-z,now
PKGS	 = libcurl jansson libpq openssl
DEPCF	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPLIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null) \
	   $(shell pkg-config --libs fcgi 2>/dev/null || echo -lfcgi) -pthread

ifeq ($(SAN),1)
SANFLAGS = -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
HARDEN	:= $(filter-out -D_FORTIFY_SOURCE=2,$(HARDEN))
endif

ALLCFLAGS = $(WARN) $(HARDEN) $(DEPCF) -Icore $(CFLAGS) $(SANFLAGS) -pthread
ALLLDFLAGS = $(LDHARDEN) $(LDFLAGS) $(SANFLAGS)

CORE	 = $(patsubst %.c,%.o,$(wildcard core/*.c))
FCGI	 = $(patsubst %.c,%,$(wildcard fcgi/*.c))
TOOLS	 = $(patsubst tools/%.c,tools/igconnect-%,$(wildcard tools/*.c))
UNIT	 = $(patsubst %.c,%,$(wildcard tests/unit/t_*.c))
E2E	 = $(patsubst %.c,%,$(wildcard tests/e2e/t_*.c))
FAULTS	 = $(patsubst %.c,%,$(wildcard tests/faults/t_*.c))
FAULTLIB = tests/faults/crowd.o tests/faults/fault.o tests/faults/load.o
BENCH	 = $(patsubst %.c,%,$(wildcard bench/*.c))
FAKE	 = tests/fakemeta/fakemeta
FAKESRC	 = $(wildcard tests/fakemeta/*.c)
TESTLIB	 = tests/lib/check.o tests/lib/client.o tests/lib/flow.o \
	   tests/lib/hook.o
BROWSER	 = build/browser/node_modules/playwright-core/package.json

# Fuzzing (tests/fuzz/README.md): clang's libFuzzer with ASan and UBSan.
# The core is compiled again with clang into build/fuzz/, never mixed with
# the gcc objects; tests/fuzz/fuzz_NAME.c is the target build/fuzz/fuzz_NAME.
FUZZCC	?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZSAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
# clang's -Wformat=2 also flags log.c's vsnprintf() of its caller's
# format, which the callers' format attribute already checks.
FUZZCFLAGS = $(WARN) -Wno-format-nonliteral $(DEPCF) -Icore -Itests/fuzz \
	   -g -O1 $(FUZZSAN) -pthread
FUZZCORE = $(patsubst core/%.c,build/fuzz/core/%.o,$(wildcard core/*.c))
FUZZERS	 = $(patsubst tests/fuzz/%.c,build/fuzz/%,\
	   $(wildcard tests/fuzz/fuzz_*.c))
# libFuzzer is part of clang's runtime (Debian: libclang-rt-14-dev); the
# tests build the targets only where it is installed.
HAVE_FUZZ := $(wildcard $(shell $(FUZZCC) -print-resource-dir \
	   2>/dev/null)/lib/linux/libclang_rt.fuzzer-$(shell uname -m).a)

.SUFFIXES:
.SECONDARY:
.DELETE_ON_ERROR:

all: core/libcore.a $(FCGI) $(TOOLS)

# Objects depend on .flags, which changes only when the flags do: a SAN=1
# build after a plain one (or back) rebuilds everything, nothing else does.
FLAGSID := $(CC) $(ALLCFLAGS) $(ALLLDFLAGS)
.flags: FORCE
	@echo '$(FLAGSID)' | cmp -s - $@ || echo '$(FLAGSID)' > $@

%.o: %.c .flags
	$(CC) $(ALLCFLAGS) -MMD -MP -c -o $@ $<

core/libcore.a: $(CORE)
	rm -f $@
	$(AR) rcs $@ $^

fcgi/%: fcgi/%.o core/libcore.a
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(DEPLIBS)

tools/igconnect-%: tools/%.o core/libcore.a
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(DEPLIBS)

bench/%: bench/%.o core/libcore.a
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(DEPLIBS)

# Canned database rows and replies of Meta stand in for the real calls
# (bench/cost.c says which).
bench/cost: bench/cost.o core/libcore.a
	$(CC) $(ALLLDFLAGS) -Wl,--wrap=ig_db_exec,--wrap=ig_http_call \
	    -Wl,--wrap=ig_http_get -o $@ $^ $(DEPLIBS)

tests/unit/t_%: tests/unit/t_%.o tests/lib/check.o core/libcore.a
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(DEPLIBS)

tests/e2e/t_%: tests/e2e/t_%.o $(TESTLIB) core/libcore.a
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(DEPLIBS)

tests/faults/t_%: tests/faults/t_%.o $(FAULTLIB) $(TESTLIB) core/libcore.a
	$(CC) $(ALLLDFLAGS) -o $@ $^ $(DEPLIBS)

# The fake of Meta is a test program: no hardening flags needed, but the
# same warnings, and the sanitizers too under SAN=1.
$(FAKE): $(FAKESRC) .flags
	$(CC) $(WARN) $(DEPCF) $(CFLAGS) $(SANFLAGS) -pthread -o $@ \
	    $(FAKESRC) -lssl -lcrypto -ljansson -pthread

# The demo page's browser test drives Debian's chromium with
# playwright-core from npm, at the version tests/browser/package-lock.json
# pins, installed here and never globally (no browser download: it has
# no install script to run).
$(BROWSER): tests/browser/package.json tests/browser/package-lock.json
	rm -rf build/browser
	mkdir -p build/browser
	cp tests/browser/package.json tests/browser/package-lock.json build/browser
	cd build/browser && npm ci --ignore-scripts --no-audit --no-fund \
	    --loglevel=error --cache $(CURDIR)/build/npm-cache

build/fuzz/.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(FUZZCC) $(FUZZCFLAGS)' | cmp -s - $@ || \
	    echo '$(FUZZCC) $(FUZZCFLAGS)' > $@

# The core gets the coverage instrumentation, libFuzzer's main() comes
# with each target.
build/fuzz/core/%.o: core/%.c build/fuzz/.flags
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZCFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/%.o: tests/fuzz/%.c build/fuzz/.flags
	$(FUZZCC) $(FUZZCFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/libcore.a: $(FUZZCORE)
	rm -f $@
	$(AR) rcs $@ $^

# A statement fails at once (fuzz.h): no target has a database.
build/fuzz/fuzz_%: build/fuzz/fuzz_%.o build/fuzz/fuzz.o build/fuzz/libcore.a
	$(FUZZCC) $(FUZZSAN) -fsanitize=fuzzer -Wl,--wrap=ig_db_exec -o $@ \
	    $^ $(DEPLIBS)

fuzzers: $(FUZZERS)

build-tests: all $(UNIT) $(E2E) $(FAULTS) $(FAKE) $(BENCH) $(BROWSER) \
    $(if $(HAVE_FUZZ),$(FUZZERS))

# Each of these first makes sure the Debian packages are there; the build
# itself then runs in a fresh make so pkg-config sees what was installed.
test check: deps
	@$(MAKE) --no-print-directory build-tests
	@sh tests/run

# The unit tests alone, in seconds: no apt-get, no stack.  For one e2e
# file or case: make build-tests && tests/run -k NAME.
unit: core/libcore.a $(UNIT)
	@sh tests/run --unit

# The fault suite at full scale (tests/faults/run): a private stack, its
# figures on the way.  tests/run runs the same cases quick.
faults: deps
	@$(MAKE) --no-print-directory all $(FAKE) $(FAULTS)
	@sh tests/faults/run

# The benchmark suite (bench/run): a private stack, wrk, pgbench, callgrind.
bench: deps
	@sh deploy/install-deps bench
	@$(MAKE) --no-print-directory all $(FAKE) $(BENCH)
	@bash bench/run

run: deps
	@$(MAKE) --no-print-directory all $(FAKE)
	@sh tests/stack/igconnect-stack start

stop:
	@sh tests/stack/igconnect-stack stop

deps:
	@sh deploy/install-deps

fuzz: deps
	@$(MAKE) --no-print-directory fuzzers
	@sh tests/fuzz/t_fuzz.sh -t $(FUZZ_SECONDS) -w build/fuzz/work \
	    $(FUZZ_TARGETS)

# The units and the crontab name /usr/libexec/igconnect, /usr/bin and
# /etc/igconnect; they are rewritten for this PREFIX and SYSCONFDIR.  An
# existing environment file is an operator's: it is never overwritten.
UNITSED	 = -e 's|/usr/libexec/igconnect/|$(LIBEXEC)/|' \
	   -e 's|/usr/bin/igconnect-|$(BINDIR)/igconnect-|' \
	   -e 's|/etc/igconnect/|$(SYSCONFDIR)/igconnect/|'

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXEC) \
	    $(DESTDIR)$(SHARE)/sql $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/igconnect
	for p in $(FCGI); do \
	    install -m 0755 $$p $(DESTDIR)$(LIBEXEC)/$${p#fcgi/}; done
	install -m 0755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 0644 sql/*.sql $(DESTDIR)$(SHARE)/sql
	install -m 0644 nginx.conf.sample deploy/nginx-fcgiwrap.conf.sample \
	    deploy/igconnect.env.sample $(DESTDIR)$(SHARE)
	sed $(UNITSED) deploy/crontab > $(DESTDIR)$(SHARE)/crontab
	chmod 0644 $(DESTDIR)$(SHARE)/crontab
	install -d $(DESTDIR)$(SHARE)/apache
	install -m 0644 deploy/apache/* $(DESTDIR)$(SHARE)/apache
	for u in deploy/systemd/*.service deploy/systemd/*.socket \
	    deploy/systemd/*.timer; do \
	    sed $(UNITSED) $$u > $(DESTDIR)$(UNITDIR)/$${u##*/} && \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done
	install -m 0644 deploy/systemd/igconnect.tmpfiles \
	    $(DESTDIR)$(TMPFILESDIR)/igconnect.conf
	install -m 0644 deploy/systemd/igconnect.sysusers \
	    $(DESTDIR)$(SYSUSERSDIR)/igconnect.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/igconnect/igconnect.env ] || \
	    install -m 0640 deploy/igconnect.env.sample \
	    $(DESTDIR)$(SYSCONFDIR)/igconnect/igconnect.env

# The package is made from what "make install" puts in a staging tree.
deb: all
	rm -rf build/deb
	@$(MAKE) --no-print-directory install PREFIX=/usr SYSCONFDIR=/etc \
	    DESTDIR=$(CURDIR)/build/deb/debian/igconnect
	sh deploy/debian/mkdeb build/deb '$(VERSION)' '$(DEBARCH)' $(DEB)

clean:
	rm -f core/*.[oad] fcgi/*.[od] tools/*.[od] tests/*/*.[od] bench/*.[od] \
	    $(FCGI) $(TOOLS) $(UNIT) $(E2E) $(FAULTS) $(FAKE) $(BENCH) \
	    .flags igconnect_*.deb
	rm -rf build

-include $(wildcard core/*.d fcgi/*.d tools/*.d tests/*/*.d bench/*.d \
	   build/fuzz/*.d build/fuzz/core/*.d)

.PHONY: all build-tests test check unit faults bench run stop deps fuzz \
	fuzzers install deb clean FORCE
