# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
APT_PKGS := espeak-ng sox libsox-fmt-all ffmpeg redis-server chromium chromium-driver
DEMO    ?= demo_out

.PHONY: all deps apt venv demo test lint bench clean test-pyannote

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

# Optional, NOT in `make test`/CI: pyannote.audio end to end (docs/diarization.md). Own venv:
# PyPI's torchaudio links against PyPI's torch, which the CPU torch 2.13.0 of .venv is not.
# torch/torchaudio/torchcodec pinned as one matching set; the project itself without deps.
PYA_VENV ?= .venv-pyannote
PYA_BIN  := $(PYA_VENV)/bin
PYA_PINS := torch==2.9.1 torchaudio==2.9.1 torchcodec==0.8.*

$(PYA_VENV)/.ready: pyproject.toml scripts/deps_without_torch.py
	test -x $(PYA_BIN)/python || $(PY) -m venv $(PYA_VENV)
	$(PYA_BIN)/pip install -q --upgrade "pip<26" wheel "setuptools<81"
	printf '%s\n' $(PYA_PINS) > $(PYA_VENV)/constraints.txt
	$(PYA_BIN)/pip install -q -c $(PYA_VENV)/constraints.txt torch torchaudio
	$(PYA_BIN)/python scripts/deps_without_torch.py --extra test --extra pyannote > $(PYA_VENV)/requirements.txt
	$(PYA_BIN)/pip install -q -c $(PYA_VENV)/constraints.txt -r $(PYA_VENV)/requirements.txt
	$(PYA_BIN)/pip install -q --no-deps -e .
	touch $@

test-pyannote: apt $(PYA_VENV)/.ready
	HOTLINE_REQUIRE_PYANNOTE=1 $(PYA_BIN)/python -m pytest -q -ra tests/diarization/test_pyannote.py

clean:
	rm -rf $(VENV) $(PYA_VENV) $(DEMO) build *.egg-info
