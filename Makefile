# Tanhui — two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)/layers/common:$(CURDIR)

.PHONY: run reset test lint api-lint unit integration e2e e2e-remote browser bench bench-web load install web clean deploy

# The web app (web/: the tourists' H5 at /, the console at /console/): npm packages from the lockfile, API types generated from the
# OpenAPI document the functions declare (a changed route breaks this build), then Vite.
WEB_SOURCES := $(shell find web/src web/public web/index.html web/console web/vite.config.ts web/tsconfig*.json \
                 web/package.json -type f -not -name schema.d.ts 2>/dev/null)
API_SOURCES := template.yaml $(shell find functions layers/common/tanhui events -type f \
                 -not -path '*/__pycache__/*' 2>/dev/null)

$(STAMP): requirements-dev.txt layers/common/requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

web/node_modules/.installed: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/openapi.json: $(STAMP) $(API_SOURCES)  ## rewritten only when the document changed
	$(BIN)/python -m infra.local.openapi_json $@

web/dist/index.html: web/node_modules/.installed web/openapi.json $(WEB_SOURCES)
	cd web && npm run --silent build
	@touch $@

web: web/dist/index.html  ## build the web app (make run and make test do it when it changed)

run: $(STAMP) web  ## the whole backend locally: moto + gateway + dispatcher + demo data (FRESH=1: start over)
	$(BIN)/python -m infra.local.run $(if $(filter 1 true yes,$(FRESH)),--fresh)

reset: $(STAMP) web  ## `make run` on a new state: new users, partners, passwords and signing key
	$(BIN)/python -m infra.local.run --fresh

# Checkov, the infrastructure scanner, in a venv of its own (it pins a boto3 that the project's and moto's
# cannot share): every check passes on the templates or is skipped in the resource's Metadata with its reason.
CHECKOV_VENV := infra/checkov/.venv
$(CHECKOV_VENV)/.installed: infra/checkov/requirements.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r infra/checkov/requirements.txt
	@touch $@

# SAM CLI likewise (it pins its own boto3): `sam validate --lint` needs no AWS account; make deploy uses it too.
SAM_VENV := infra/sam/.venv
$(SAM_VENV)/.installed: infra/sam/requirements.txt
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet -r infra/sam/requirements.txt
	@touch $@

lint: $(STAMP) $(CHECKOV_VENV)/.installed $(SAM_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/cfn-lint template.yaml infra/waf.yaml
	for t in template.yaml infra/waf.yaml; do \
	  SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM_VENV)/bin/sam validate --lint --template $$t || exit 1; done
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation \
	  -f template.yaml infra/waf.yaml
	$(BIN)/mypy

# The API document's limits and security as an outside reviewer checks them: Spectral with the OWASP API
# Security ruleset on the document DocsFunction serves (web/.spectral.yaml: the rules switched off and
# why); any error or warning left fails.
api-lint: web/node_modules/.installed web/openapi.json
	cd web && npm run --silent lint:api

test: lint api-lint web  ## lint (code, template, API document), build the web app, then unit, integration, e2e and browser tests
	$(BIN)/python -m pytest -q

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e

# The e2e suite against a deployed stack, over HTTP only, its own users and partners made and undone;
# the tests marked local_only are left out (docs/developers/local-stack.md).
e2e-remote: $(STAMP)  ## TANHUI_API=https://… TANHUI_OPERATOR_USER=… TANHUI_OPERATOR_PASSWORD=… make e2e-remote
	@test -n "$$TANHUI_API" || { echo "e2e-remote: set TANHUI_API to the stack's API URL" >&2; exit 2; }
	$(BIN)/python -m pytest -q tests/e2e -m 'not local_only' -n 0

# AWS (docs/developers/deploy.md): the edge firewall in us-east-1, sam build + sam deploy --config-env $(ENV)
# (samconfig.toml), then the web app to the stack's bucket. DRY_RUN=1 prints the commands only.
ENV ?= staging
deploy: $(STAMP) web $(SAM_VENV)/.installed  ## build and deploy to AWS: ENV=staging|production (needs credentials)
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(BIN)/python -m infra.deploy $(ENV) $(if $(filter 1 true yes,$(DRY_RUN)),--dry-run)

browser: $(STAMP) web  ## the web app in Debian's chromium (Playwright)
	$(BIN)/python -m pytest -q tests/browser

bench: $(STAMP) web
	$(BIN)/python bench/codes.py
	$(BIN)/python bench/claims.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/totals.py
	$(BIN)/python bench/expiry.py
	$(BIN)/python bench/registry.py
	$(BIN)/python bench/web.py

bench-web: $(STAMP) web  ## Lighthouse on the code page and the wallet (needs chromium)
	$(BIN)/python bench/web.py

# The load test (docs/developers/scale.md, "Load held"): Locust in its own venv, never in `make test`.
LOAD_VENV := bench/load/.venv
$(LOAD_VENV)/.installed: bench/load/requirements.txt
	@test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install --quiet -r bench/load/requirements.txt
	@touch $@

load: $(STAMP) $(LOAD_VENV)/.installed  ## Locust against its own `make run` with faults (DURATION=10m USERS=100 FAULTS=…)
	$(if $(filter-out undefined,$(origin FAULTS)),FAULTS='$(FAULTS)') DURATION='$(DURATION)' USERS='$(USERS)' \
	  $(BIN)/python bench/load/run.py

clean:
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist web/openapi.json
