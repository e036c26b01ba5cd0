# IPR workbench: `make lab` opens the sample project in JupyterLab; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := projects/sample.sqlite
SAMPLE_INPUTS := $(wildcard transcripts/sample/*.ipr.txt) transcripts/sample_codings.csv codebooks/ipr_relational.yaml workbench/sample.py
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
PYTEST_FLAGS ?=
TEST_WORKERS ?= 2
# Clinical data: no announcements feed, no update check, loopback only.
LAB_PRIVACY := --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

.PHONY: setup lab sample test lint typecheck unit notebooks browser-deps bench review clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(SAMPLE): $(STAMP) $(SAMPLE_INPUTS)
	@mkdir -p projects
	@rm -f $@ $@-wal $@-shm
	$(BIN)/workbench sample $@

sample: $(SAMPLE)

lab: $(SAMPLE)
	@echo "Opening JupyterLab on notebooks/ with the sample project $(SAMPLE)."
	@echo "The URL to open is printed below (http://127.0.0.1:8888/lab?token=...)."
	WORKBENCH_PROJECT=$(abspath $(SAMPLE)) $(BIN)/jupyter lab --notebook-dir=notebooks \
		--ServerApp.ip=127.0.0.1 --no-browser $(LAB_PRIVACY) $(ROOT_FLAG)

# The review page: the project's Voila template (share/jupyter, JUPYTER_PATH) and Voila config
# (share/jupyter/config/voila.json, JUPYTER_CONFIG_PATH: progressive rendering, see README).
review: $(SAMPLE)
	WORKBENCH_PROJECT=$(abspath $(SAMPLE)) JUPYTER_PATH=$(abspath share/jupyter) \
		JUPYTER_CONFIG_PATH=$(abspath share/jupyter/config) \
		$(BIN)/voila notebooks/04_themes.ipynb --template=workbench \
		--Voila.ip=127.0.0.1 --no-browser

# Debian's Chromium for the browser tests (never `playwright install`, which downloads).
browser-deps:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "note: /usr/bin/chromium missing and not root: browser tests will skip (fail under CI=true)"; fi

lint: $(STAMP)
	$(BIN)/ruff check workbench benchmarks tools
	$(BIN)/ruff check tests --select E9,F,B006,B008

typecheck: $(STAMP)
	$(BIN)/mypy workbench

# Two pytest workers for everything but the browser tests (PostgreSQL tests use a fresh
# schema each, multi-process tests wait on readiness barriers, not on time), then the
# browser tests, one at a time (each runs its own JupyterLab or Voila and Chromium).
unit: $(STAMP) browser-deps
	$(BIN)/pytest -n $(TEST_WORKERS) tests --ignore=tests/browser $(PYTEST_FLAGS)
	$(BIN)/pytest tests/browser $(PYTEST_FLAGS)

notebooks: $(SAMPLE)
	@mkdir -p build && cp $(SAMPLE) build/nbval-project.sqlite
	WORKBENCH_PROJECT=$(abspath build/nbval-project.sqlite) WORKBENCH_CODER=leila $(BIN)/pytest --nbval \
		--nbval-sanitize-with notebooks/nbval_sanitize.cfg notebooks -p no:cacheprovider

test: lint typecheck unit notebooks

bench: $(SAMPLE) browser-deps
	@status=0; for script in benchmarks/bench_*.py; do echo "== $$script"; \
		$(BIN)/python $$script || status=1; done; exit $$status

clean:
	rm -rf build test-artifacts benchmarks/out .pytest_cache .mypy_cache .ruff_cache
