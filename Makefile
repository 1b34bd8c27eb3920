# Tanhui — two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)/layers/common:$(CURDIR)

.PHONY: run reset test lint unit integration e2e bench install clean

$(STAMP): requirements-dev.txt layers/common/requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  ## the whole backend locally: moto + gateway + dispatcher + demo data (FRESH=1: start over)
	$(BIN)/python -m infra.local.run $(if $(filter 1 true yes,$(FRESH)),--fresh)

reset: $(STAMP)  ## `make run` on a new state: new users, partners, passwords and signing key
	$(BIN)/python -m infra.local.run --fresh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/cfn-lint template.yaml
	$(BIN)/mypy

test: lint  ## lint, then unit, integration and e2e tests
	$(BIN)/python -m pytest -q

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e

bench: $(STAMP)
	$(BIN)/python bench/codes.py
	$(BIN)/python bench/claims.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/totals.py

clean:
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache
