# rrcase — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
export DJANGO_SETTINGS_MODULE ?= rrcase.settings.dev

.PHONY: help install run test lint format bench audit migrations-check clean backup restore

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# Each stamp file is rebuilt only when its inputs change, so a second
# `make install` takes well under a second.
$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets/.built: node_modules/.installed frontend/build.mjs $(shell find frontend -type f 2>/dev/null)
	npm run --silent build

install: $(VENV)/.installed assets/.built ## create .venv, install locked dependencies, build static assets

run: install ## the app with a seeded demo borough on http://127.0.0.1:8000
	@scripts/with-database scripts/run

test: install ## the whole suite on PostgreSQL (and Redis when REDIS_URL is set), then lint
	@DJANGO_SETTINGS_MODULE=rrcase.settings.test scripts/with-database scripts/test
	@$(MAKE) --no-print-directory lint

lint: install ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL=$${DATABASE_URL:-postgres://unused/unused} $(VENV)/bin/mypy .

format: install ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install ## benchmarks at 25,000 people (not part of make test)
	@scripts/with-database --superuser $(PY) -m bench

# Not part of `make test`: it needs the network, and its answer changes when
# advisories are published, not when the code does. Both audits always run;
# either finding anything (or pip-audit being unable to check a package) fails.
audit: $(VENV)/.installed ## known vulnerabilities in requirements.lock and npm's production packages
	@status=0; \
	$(VENV)/bin/pip-audit --requirement requirements.lock --disable-pip --strict \
		--progress-spinner off || status=1; \
	npm audit --omit=dev || status=1; \
	exit $$status

# docs/operations.md "Backup and restore". The database is $(DATABASE_URL) (for
# backup, the embedded one when unset); restore needs an empty database's
# owner or a superuser and never falls back to the embedded one.
backup: install ## back up the database and uploaded files: make backup [DIR=var/backups/NAME]
	@scripts/with-database scripts/backup $(or $(DIR),var/backups/$(shell date -u +%Y%m%dT%H%M%SZ))

restore: install ## restore DIR into an empty database and check it: make restore DIR=… DATABASE_URL=…
	@test -n "$(DIR)" -a -n "$${DATABASE_URL:-}" || { \
		echo "usage: make restore DIR=<backup> DATABASE_URL=<new empty database, as its owner>"; exit 2; }
	@scripts/restore $(DIR)

clean: ## remove the virtualenv, node_modules and built assets (keeps var/ data)
	rm -rf $(VENV) node_modules assets
