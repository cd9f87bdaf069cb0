# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?= 5000
FLASK   = $(BIN)/flask --app directory

# Test processes: one per core ("auto"); WORKERS=0 runs the suite in this process.
WORKERS ?= auto
# SCREENSHOTS=1: the browser tests save the screenshots they name under test-artifacts/screenshots/.
SCREENSHOTS ?=

.PHONY: run test test-fast setup install install-test lint bench bench-load lighthouse clean help \
        translations extract update-translations new-language

help:
	@echo "make run   - install, migrate, load places and demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test  - install and run the whole test suite, in parallel"
	@echo "make test-fast - the same without the browser tests, the bad-input corpus sweeps and the benchmarks' runs"
	@echo "make lint  - ruff, bandit, mypy and the import layers"
	@echo "make bench - benchmarks (prints figures)"
	@echo "make extract / update-translations - gather marked text into the template, merge it into each catalogue"
	@echo "make new-language CODE=xx - start the catalogue of a new language"
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

# Translations: the .po catalogues are the source; the compiled .mo files are built from them, never
# committed. `make run` and the test targets build them.
TRANSLATIONS = directory/translations
PYBABEL      = $(BIN)/pybabel
CATALOGUES   = $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED     = $(CATALOGUES:.po=.mo)
# pybabel skips folders whose name starts with "_" when it walks a tree: the macros are named one by one.
MACRO_TEMPLATES = $(wildcard templates/_macros/*.html)
# Python calls marked beyond pybabel's defaults (_, gettext, ngettext, pgettext...).
BABEL_KEYWORDS = -k lazy_gettext -k _l -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(PYBABEL) compile --statistics -i $< -o $@

translations: $(COMPILED)

extract: install
	$(PYBABEL) extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output --width 110 \
	  --project directory --copyright-holder "the directory's authors" -o $(TRANSLATIONS)/messages.pot \
	  . $(MACRO_TEMPLATES)

update-translations: extract
	$(PYBABEL) update --width 110 --ignore-obsolete -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

new-language: extract
	@test -n "$(CODE)" || (echo "usage: make new-language CODE=xx" && exit 1)
	$(PYBABEL) init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $(CODE) --width 110

setup: install translations
	$(FLASK) db upgrade
	$(FLASK) gazetteer load
	$(FLASK) seed --demo

run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# worksteal: an idle worker takes tests from a busy one (a corpus sweep takes a hundred times a plain test).
# pytest caches the test modules it rewrites as bytecode; PYTHONDONTWRITEBYTECODE would have every worker
# rewrite them (and hypothesis and schemathesis, whose plugins it rewrites whole) on every run.
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal \
         $(if $(SCREENSHOTS),--screenshots)

test: install-test translations
	$(PYTEST) $(PYTEST_ARGS)

test-fast: install-test translations
	$(PYTEST) -m "not e2e and not corpus and not bench" $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check directory tests bench
	$(BIN)/bandit -q -c pyproject.toml -r directory
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

bench: install-test translations
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

lighthouse: install translations node_modules/.bin/lighthouse
	CHROME_PATH=$(CHROME_PATH) $(BIN)/python bench/lighthouse.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache
