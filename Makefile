# Two commands for a fresh Debian machine with Python 3.11 (see README.md):
#   make run    set up everything, install the embedded models, transcribe the Danish sample
#   make test   set up everything the tests need and run the whole suite
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
ASSIST := $(VENV)/bin/assist
SAMPLE := tests/fixtures/sample-da.wav
LLAMA_CPP := llama-cpp-python==0.3.36
# System libraries Qt needs to start (offscreen or under Xvfb), and the tools tests use.
APT_PACKAGES := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libxcb-cursor0 xvfb

.PHONY: run test venv system-deps models lint clean

# The demo keeps its cases apart from real ones, under a passphrase that is only for the demo.
DEMO_ENV := ASSIST_DATA_DIR=$(CURDIR)/out/demo-data ASSIST_KEY_SOURCE=passphrase \
	ASSIST_PASSPHRASE=assist-demo-only

run: venv models
	$(ASSIST) doctor
	$(DEMO_ENV) $(ASSIST) process $(SAMPLE) --title "Demo: dansk oplæst tale"

test: venv system-deps models
	$(VENV)/bin/ruff check assist ui tests bench
	$(VENV)/bin/mypy assist
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

venv: $(VENV)/.installed

# llama-cpp-python compiles llama.cpp (about 10 minutes on 2 cores) the first time; pip caches the
# wheel, so later installs take seconds. The filter shows the compile steps as progress.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	@echo "== llama-cpp-python (compiles once, then comes from pip's cache)"
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PIP) install -v $(LLAMA_CPP) 2>&1 \
		| grep --line-buffered -E '^ *\[[0-9]+/[0-9]+\]|Successfully|Using cached|already satisfied|ERROR|rror:' \
		| sed -u -E 's/^ *(\[[0-9]+\/[0-9]+\]) .*/  compiling llama.cpp \1/'
	$(PIP) install --quiet -e '.[models,test]'
	touch $@

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "== installing system packages: $$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

models: venv
	$(ASSIST) models install

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
