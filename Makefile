# Halle: `make demo` serves the demo territory, `make test` runs the whole test suite.
# Both install what they need first (a virtual environment in .venv, Chromium for browser tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# pytest-xdist workers: one per core of the 2-core machines the suite runs on (`PYTEST_WORKERS=0`: one process).
PYTEST_WORKERS ?= 2
# Keep the bytecode caches (some machines set PYTHONDONTWRITEBYTECODE): each test process then starts
# without recompiling the project and the tests.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test test-fast install translations messages browser

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(BIN)/.installed translations

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d translations 2>/dev/null

# After adding or changing a _() / gettext() / lazy_gettext() text: refresh the catalogue, then write
# the English of every empty msgstr in translations/en (tests/test_translations.py checks none is left).
# A new plural text (ngettext) also goes into translations/fr with its two forms, for French's rule
# of plurals ("0 commerce"); the French texts themselves need no catalogue.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k lazy_ngettext:1,2 -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations -l en

browser:
	@scripts/ensure-chromium

demo: install
	$(BIN)/flask --app run db upgrade
	$(BIN)/flask --app run demo seed
	$(BIN)/python run.py

test: install browser
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The quick lane while working: everything but the tests marked slow (tests/conftest.py).
test-fast: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow" $(PYTEST_ARGS)
