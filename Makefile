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
# The llama.cpp build flags live in packaging/llama-cpp.env (the Windows build reads it too). The
# compiled wheel is kept in a folder named by a hash of version and flags, so a change of flags
# always compiles anew and pip's cache can never hand back a wheel built with other flags.
include packaging/llama-cpp.env
WHEEL_CACHE ?= $(HOME)/.cache/assist/wheels
LLAMA_KEY := $(shell printf '%s\n%s\n' '$(LLAMA_CPP_VERSION)' '$(LLAMA_CPP_CMAKE_ARGS)' | sha256sum | cut -c1-16)
LLAMA_WHEELS := $(WHEEL_CACHE)/llama-cpp-python-$(LLAMA_CPP_VERSION)-$(LLAMA_KEY)
# System libraries Qt needs to start (offscreen or under Xvfb), and the tools tests use.
# QtMultimedia needs libpulse0; the real-microphone test a PulseAudio server with a virtual source.
APT_PACKAGES := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libpulse0 pulseaudio pulseaudio-utils \
	fonts-dejavu-core xvfb

.PHONY: run test venv system-deps models lint clean screenshots

# The demo keeps its cases apart from real ones, under a passphrase that is only for the demo.
DEMO_ENV := ASSIST_DATA_DIR=$(CURDIR)/out/demo-data ASSIST_KEY_SOURCE=passphrase \
	ASSIST_PASSPHRASE=assist-demo-only

# With a display: the desktop app on the demo store (a demo case ready, the embedded models load
# when a job needs them). Without one: the headless demo (transcribe and draft the sample).
run: venv system-deps models
	$(ASSIST) doctor
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		echo "== Assist's window opens on the demo store ($(CURDIR)/out/demo-data)"; \
		$(DEMO_ENV) $(ASSIST) gui --demo; \
	else \
		echo "== No display (DISPLAY is not set): running the headless demo instead."; \
		echo "   The app: 'make run' on a desktop, or 'xvfb-run -a make run'; screenshots: docs/."; \
		$(DEMO_ENV) $(ASSIST) process $(SAMPLE) --title "Demo: dansk oplæst tale"; \
	fi

test: venv system-deps models
	$(VENV)/bin/ruff check assist ui tests bench
	$(VENV)/bin/mypy assist
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

venv: $(VENV)/.installed

# llama-cpp-python compiles llama.cpp (about 10 minutes on 2 cores) the first time, with the
# portable flags; the wheel is kept in $(LLAMA_WHEELS), so later set-ups take seconds.
$(VENV)/.installed: pyproject.toml packaging/llama-cpp.env $(LLAMA_WHEELS)/.complete
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet --force-reinstall --no-deps $(LLAMA_WHEELS)/llama_cpp_python-*.whl
	$(PIP) install --quiet $(LLAMA_WHEELS)/llama_cpp_python-*.whl
	$(PIP) install --quiet -e '.[models,test]'
	touch $@

# No prerequisite: the folder name already holds the flags (a fresh clone must not rebuild).
$(LLAMA_WHEELS)/.complete:
	@echo "== llama-cpp-python $(LLAMA_CPP_VERSION), portable build (flags: packaging/llama-cpp.env)"
	rm -rf $(LLAMA_WHEELS).partial && mkdir -p $(LLAMA_WHEELS).partial
	CMAKE_ARGS="$(LLAMA_CPP_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
		$(PYTHON) -m pip wheel -v --no-cache-dir --no-deps --no-binary llama-cpp-python \
		-w $(LLAMA_WHEELS).partial llama-cpp-python==$(LLAMA_CPP_VERSION) 2>&1 \
		| grep --line-buffered -E '^ *\[[0-9]+/[0-9]+\]|Successfully|Saved|ERROR|rror:' \
		| sed -u -E 's/^ *(\[[0-9]+\/[0-9]+\]) .*/  compiling llama.cpp \1/'
	printf 'version=%s\ncmake_args=%s\n' '$(LLAMA_CPP_VERSION)' '$(LLAMA_CPP_CMAKE_ARGS)' \
		> $(LLAMA_WHEELS).partial/BUILD-FLAGS
	touch $(LLAMA_WHEELS).partial/.complete
	rm -rf $(LLAMA_WHEELS) && mv $(LLAMA_WHEELS).partial $(LLAMA_WHEELS)

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "== installing system packages: $$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The demo's key also signs the model registry's qualification records (a record needs a key
# from the case store); without one the gate would be skipped on a machine with no keyring.
models: venv
	$(DEMO_ENV) $(ASSIST) models install

# The README's screenshots: every view of the app on a throwaway demo store, under Xvfb.
SCREENSHOT_VIEWS := cases record notes transcript draft sign settings about dictation
screenshots: venv system-deps
	rm -rf out/screenshot-data && mkdir -p docs
	for view in $(SCREENSHOT_VIEWS); do \
		ASSIST_DATA_DIR=$(CURDIR)/out/screenshot-data ASSIST_KEY_SOURCE=passphrase \
		ASSIST_PASSPHRASE=assist-demo-only xvfb-run -a -s "-screen 0 1400x900x24" \
		$(ASSIST) gui --demo --screenshot docs/$$view.png --view $$view || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
