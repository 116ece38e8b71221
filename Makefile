# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
APT_PKGS := espeak-ng sox libsox-fmt-all ffmpeg redis-server chromium chromium-driver
DEMO    ?= demo_out

.PHONY: all deps apt venv demo test lint bench clean

all: venv

# System packages: installed only when one is missing (needs root or sudo).
apt:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# torch is pinned to the CPU wheel first so nothing pulls a multi-GB CUDA build.
$(BIN)/hotline: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip<26" wheel "setuptools<81"
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[test]"
	touch $@

venv: apt $(BIN)/hotline

deps: venv

demo: venv
	HOTLINE_DB_URL=sqlite:///$(abspath $(DEMO))/hotline.db $(BIN)/python scripts/demo.py --out $(DEMO)

lint: venv
	$(BIN)/ruff check .

test: venv
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -ra

bench: venv
	$(BIN)/python scripts/bench_pipeline.py
	$(BIN)/python scripts/bench_analytics.py
	$(BIN)/python scripts/bench_queue.py
	$(BIN)/python scripts/bench_search.py
	$(BIN)/python scripts/bench_assist.py

clean:
	rm -rf $(VENV) $(DEMO) build *.egg-info
