# The ALI insertion platform. `make up` runs it; `make test` proves it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# `make bench BENCH=api` runs one path; BENCH_ARGS passes options (e.g. --keep, --profile): python -m bench --help
BENCH ?=
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install lock up down status seed test test-unit lint schemas bench logs clean vendor bi-access

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The versions the suite was run with are locked in requirements/ (test.txt: everything, base.txt: the services').
LOCK := requirements/test.txt
LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --quiet

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# axe-core for the dashboard's accessibility tests (and the source of the vendored OpenID Connect client).
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed (apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --silent
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP) ## Python environment (locked versions), Kafka jars, Keycloak, PostgreSQL, kcat, Chromium, axe-core
	deploy/local/stack.sh install
	deploy/local/keycloak.sh install

lock: $(STAMP) ## resolve pyproject.toml into requirements/*.txt again after a dependency change (UPGRADE=1: newest)
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra bench $(LOCK_FLAGS) $(if $(UPGRADE),--upgrade) -o $(LOCK)
	$(VENV)/bin/uv pip compile pyproject.toml -c $(LOCK) $(LOCK_FLAGS) -o requirements/base.txt
	$(MAKE) $(STAMP)

up: install ## run the platform: Kafka, PostgreSQL, Keycloak, the four services and the simulated department
	deploy/local/stack.sh start
	deploy/local/keycloak.sh launch
	deploy/local/platform.sh start
	deploy/local/keycloak.sh start
	deploy/local/simulate.sh
	@deploy/local/platform.sh status
	@deploy/local/keycloak.sh status
	@deploy/local/simulate.sh status
	@echo
	@deploy/local/keycloak.sh users
	@echo "  API docs: http://127.0.0.1:8001/docs (intake), :8002/docs (accompaniment), :8003/docs (placement), :8004/docs (reporting)"
	@echo "  A token for curl: $(PY) -m shared.auth token --role admin"
	@echo "  BI tools: eval \"\$$(make -s bi-access)\", then kcat -F \"\$$KCAT_CONFIG\" ... and psql \"\$$BI_DATABASE_URL\""
	@echo "  Logs: .data/logs/   Stop: make down"

down: ## stop the services and the stack (data is kept)
	-[ -f .data/run/simulation.pid ] && kill $$(cat .data/run/simulation.pid) 2>/dev/null; true
	-deploy/local/platform.sh stop
	-deploy/local/keycloak.sh stop
	deploy/local/stack.sh stop

status: ## state of the stack, the services and the simulated department
	-deploy/local/stack.sh status
	-deploy/local/keycloak.sh status
	-deploy/local/simulate.sh status
	deploy/local/platform.sh status

test: install ## the whole suite against the real Kafka, PostgreSQL and Keycloak
	deploy/local/stack.sh start
	deploy/local/keycloak.sh launch
	source deploy/local/env.sh && $(PY) -m pytest

test-unit: $(STAMP) ## unit tests only (no I/O)
	$(PY) -m pytest tests/unit

lint: $(STAMP) ## ruff
	$(VENV)/bin/ruff check shared services tests deploy bench

schemas: $(STAMP) ## regenerate the JSON Schemas of the events (refuses to change a published version)
	$(PY) -m shared.schema_registry generate
	$(PY) -m shared.asyncapi generate

bench: install ## every path beside its anchor, on a platform of its own (BENCH=api: one path)
	deploy/local/bench_tools.sh
	deploy/local/stack.sh start
	source deploy/local/env.sh && $(PY) -m bench $(BENCH) $(BENCH_ARGS)

bi-access: ## print the BI tools' access: `eval "$$(make -s bi-access)"`, then kcat -F "$$KCAT_CONFIG", psql "$$BI_DATABASE_URL"
	@deploy/local/bi_access.sh

logs: ## follow the services' logs
	tail -F .data/logs/{intake,accompaniment,placement,reporting}.log

clean: down ## stop everything and delete local data (topics, databases)
	rm -rf .data

VENDOR := services/reporting/static/vendor
vendor: $(NODE_STAMP) ## copy the dashboard's OpenID Connect client (oidc-client-ts, bundling jwt-decode) from node_modules
	grep -v '^//# sourceMappingURL=' node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js >$(VENDOR)/oidc-client-ts.min.js
	cp node_modules/oidc-client-ts/LICENSE $(VENDOR)/oidc-client-ts.LICENSE
	cp node_modules/jwt-decode/LICENSE $(VENDOR)/jwt-decode.LICENSE
	node -e 'for (const p of ["oidc-client-ts", "jwt-decode"]) console.log(p, require("./node_modules/" + p + "/package.json").version)' >$(VENDOR)/VERSIONS
