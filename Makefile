# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?= 5000
FLASK   = $(BIN)/flask --app directory

# Test processes: one per core ("auto"); WORKERS=0 runs the suite in this process.
WORKERS ?= auto

.PHONY: run test test-fast setup install install-test lint bench bench-load lighthouse clean help

help:
	@echo "make run   - install, migrate, load places and demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test  - install and run the whole test suite, in parallel"
	@echo "make test-fast - the same without the browser tests and the bad-input corpus sweeps"
	@echo "make lint  - ruff, bandit, mypy and the import layers"
	@echo "make bench - benchmarks (prints figures)"
	@echo "make lighthouse - Lighthouse scores (mobile) of home, a search, a listing and the group form"

# Prefer uv when the machine has it; plain venv + pip otherwise.
$(BIN)/python:
	@if command -v uv >/dev/null 2>&1; then uv venv --quiet $(VENV); else $(PYTHON) -m venv $(VENV); fi

define pip_install
	@if command -v uv >/dev/null 2>&1; then uv pip install --quiet --python $(BIN)/python -e '$(1)'; \
	 else $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '$(1)'; fi
endef

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(call pip_install,.)
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(call pip_install,.[test])
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

setup: install
	$(FLASK) db upgrade
	$(FLASK) gazetteer load
	$(FLASK) seed --demo

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# worksteal: an idle worker takes tests from a busy one (a corpus sweep takes a hundred times a plain test).
# pytest caches the test modules it rewrites as bytecode; PYTHONDONTWRITEBYTECODE would have every worker
# rewrite them (and hypothesis and schemathesis, whose plugins it rewrites whole) on every run.
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal

test: install-test
	$(PYTEST) $(PYTEST_ARGS)

test-fast: install-test
	$(PYTEST) -m "not e2e and not corpus" $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check directory tests bench
	$(BIN)/bandit -q -c pyproject.toml -r directory
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: install-test
	$(BIN)/python bench/search.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/load.py --seconds 20

# The load run alone; pass options through, e.g. make bench-load LOAD_ARGS="--clients 100 --seconds 60"
bench-load: install-test
	$(BIN)/python bench/load.py $(LOAD_ARGS)

# Lighthouse from npm (package.json), with the system Chromium, on a scratch site served on a free port.
CHROME_PATH ?= /usr/bin/chromium
node_modules/.bin/lighthouse: package.json
	npm install --no-audit --no-fund
	@touch $@

lighthouse: install node_modules/.bin/lighthouse
	CHROME_PATH=$(CHROME_PATH) $(BIN)/python bench/lighthouse.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache
