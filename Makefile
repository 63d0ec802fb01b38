# Halle: `make demo` serves the demo territory, `make test` runs the whole test suite.
# Both install what they need first (a virtual environment in .venv, Chromium for browser tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test install translations browser

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(BIN)/.installed translations

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d translations 2>/dev/null

browser:
	@scripts/ensure-chromium

demo: install
	$(BIN)/flask --app run db upgrade
	$(BIN)/flask --app run demo seed
	$(BIN)/python run.py

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)
