# Madoguchi — every set-up step lives here, so a fresh Debian machine (as root or with sudo)
# needs only `make run` or `make test`. Targets are idempotent: stamp files record what is done.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMPS := .stamps
DEMO_STORE ?= $(HOME)/.local/share/madoguchi/training/demo.db
DEMO_RESIDENTS ?= 5000

# Debian packages: PC/SC daemon + headers + virtual reader (vpcd) for pyscard and the test card,
# swig and a C compiler to build pyscard, Xvfb and the X/GL/xkb libraries the Qt wheels load,
# Japanese fonts, poppler (PDF checks), PostgreSQL (sync tests) with PL/Python and Debian's
# python3-cryptography (the central server checks release signatures in a PL/Python trigger,
# server schema v3), dbus + gnome-keyring (a real keyring backend for tests), sqlite3 shell,
# binutils for PyInstaller, dpkg-dev for the .deb.
DEBS := pcscd libpcsclite-dev libpcsclite1 vsmartcard-vpcd pcsc-tools swig gcc make \
	xvfb xauth libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 \
	libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 \
	libxcb-image0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 libxrender1 libxi6 libsm6 libice6 \
	libglib2.0-0 libcups2 fonts-ipaexfont-gothic fonts-ipaexfont-mincho poppler-utils \
	postgresql postgresql-client postgresql-plpython3-15 python3-cryptography \
	dbus dbus-x11 gnome-keyring libsecret-tools sqlite3 binutils dpkg-dev fakeroot imagemagick

.PHONY: all deps venv run test golive-test bench screenshots translations ts build package clean-venv demo fuzz stress

all: venv

$(STAMPS)/debs: Makefile
	@mkdir -p $(STAMPS)
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(DEBS) 2>/dev/null | awk '$$NF!="installed"{print $$1}'; \
	  for p in $(DEBS); do dpkg-query -W $$p >/dev/null 2>&1 || echo $$p; done); \
	missing=$$(echo $$missing | tr ' ' '\n' | sort -u | tr '\n' ' '); \
	if [ -n "$${missing// /}" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# pcscd is started by the tests and the training tray themselves, never as a system service here.
	@touch $@

deps: $(STAMPS)/debs

$(VENV)/bin/python: | $(STAMPS)/debs
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip wheel

$(STAMPS)/venv: pyproject.toml $(VENV)/bin/python $(STAMPS)/debs
	$(PY) -m pip install -q -e '.[test,build]'
	@touch $@

venv: $(STAMPS)/venv

# Qt translations: .ts sources in the repo, .qm built here.
TS := $(wildcard resources/translations/*.ts)
QM := $(TS:.ts=.qm)
resources/translations/%.qm: resources/translations/%.ts $(STAMPS)/venv
	$(VENV)/bin/pyside6-lrelease -silent $< -qm $@

translations: $(QM)

# Update the .ts sources from the self.tr() strings of app/ui (then translate the new entries,
# e.g. with pyside6-linguist, and commit the .ts).
ts: $(STAMPS)/venv
	$(VENV)/bin/pyside6-lupdate -no-obsolete app/ui/*.py -source-language en -target-language ja \
	  -ts resources/translations/madoguchi_ja.ts

# Order-only on the venv: a newer venv must not rebuild (and so refuse to overwrite) the demo
# store; an older store is upgraded in place when opened. A half-made store is removed.
$(DEMO_STORE): | $(STAMPS)/venv
	@mkdir -p $(dir $(DEMO_STORE))
	$(PY) -m app demo-data --store $(DEMO_STORE) --residents $(DEMO_RESIDENTS) --seed 7
	$(PY) -m app staff demo --store $(DEMO_STORE) || { rm -rf $(DEMO_STORE) $(basename $(DEMO_STORE))-cards; exit 1; }

demo: $(DEMO_STORE)

run: venv translations $(DEMO_STORE)
	$(PY) -m app --training --store $(DEMO_STORE)

test: venv translations
	bash scripts/run-tests.sh

# The install guide run as a script (docs/INSTALL.md, "Going live"): builds the .deb, installs it
# with apt on this machine (root), real PostgreSQL, 10,000 residents, a clerk signs in. Also part
# of `make test`; this target runs it alone.
golive-test: venv translations
	bash scripts/run-tests.sh tests/packaging/test_golive.py

# The card, sync and window tests STRESS_RUNS times in a row (default 20), stopping at the first
# failure: a test that fails once in twenty runs is a failing test.
STRESS_RUNS ?= 20
.PHONY: stress
stress: venv translations
	@for i in $$(seq $(STRESS_RUNS)); do \
	  echo "== make stress: run $$i of $(STRESS_RUNS)"; \
	  bash scripts/run-tests.sh tests/card tests/sync -x -q -p no:cacheprovider \
	    && bash scripts/run-tests.sh tests/ui -x -q -p no:cacheprovider \
	    || { echo "make stress: run $$i failed after $$((i - 1)) green runs in a row" >&2; exit 1; }; \
	done; echo "make stress: $(STRESS_RUNS) green runs in a row"

# build first: the start-up benchmark also times the packaged program (dist/madoguchi)
bench: venv translations build
	$(PY) -m benchmarks

# The random CLI run at length (tests/cli/fuzz.py; `make test` runs a fixed 400): FUZZ_EXAMPLES random
# runs of the madoguchi command over its argument grammar; every cause of a traceback is written
# to build/fuzz-report.txt and fails the target.
FUZZ_EXAMPLES ?= 5000
fuzz: venv translations
	@mkdir -p build
	MADOGUCHI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) MADOGUCHI_FUZZ_REPORT=build/fuzz-report.txt \
	  bash scripts/run-tests.sh tests/cli/test_fuzz.py -q -s -p no:cacheprovider --timeout 0

screenshots: venv translations
	$(PY) -m app.ui.screenshots docs/screenshots

# dist/madoguchi/: the PyInstaller one-folder build (madoguchi + madoguchi-gui), see build.spec.
# PyInstaller keeps its analysis in build/pyinstaller, so a rebuild of unchanged sources is quicker.
build: venv translations
	@start=$$(date +%s); \
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller build.spec && \
	echo "dist/madoguchi: $$(du -sh dist/madoguchi | cut -f1) unpacked, built in $$(( $$(date +%s) - start )) s"

# dist/madoguchi_<version>_<arch>.deb from dist/madoguchi (gzip; DEB_COMPRESSION=xz: smaller, much slower)
package: build
	bash scripts/build-deb.sh --dist dist/madoguchi --out dist

clean-venv:
	rm -rf $(VENV) $(STAMPS)
