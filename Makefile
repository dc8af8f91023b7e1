# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: run test lint install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Plain HTTP on 127.0.0.1: the development defaults of the HTTPS-only settings (docs/operations.md).
run: export SKILLCERT_ENV ?= development
run: install
	$(BIN)/skillcert migrate --noinput
	$(BIN)/skillcert demo
	@echo "serving http://127.0.0.1:$(PORT)/manage/  (API docs: http://127.0.0.1:$(PORT)/api/v1/docs/)"
	$(BIN)/skillcert runserver 127.0.0.1:$(PORT)

lint: install-test
	$(BIN)/ruff check src tests conftest.py $(wildcard bench)
	$(BIN)/skillcert makemigrations --check --dry-run
	SKILLCERT_BIN=$(abspath $(BIN)) bash scripts/check-deploy
	$(BIN)/mypy src

test: install-test
	@bash scripts/ensure-system-packages
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest $(PYTEST_ARGS)
