# Vetted: `make serve` and `make test` are all a fresh machine needs.
# The interpreter .venv is made from: the distribution's CPython 3.11 where there is one
# that can make a venv (Debian's, linked statically and optimised with profiling; its venv
# module is the python3.11-venv package), else `python3`. A CPython built as a shared
# library without those optimisations (a version manager's default) took 1.2 times as
# long for the 1,000-article import and up to twice as long for plain Python code; see
# README, Performance. Any CPython >= 3.11: `make PYTHON=python3.12` (after `make clean`,
# which removes .venv).
DISTRIBUTION_PYTHON := /usr/bin/python3.11
PYTHON ?= $(or $(shell $(DISTRIBUTION_PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 \
	&& echo $(DISTRIBUTION_PYTHON)),python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= vetted.db
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve-replicated restore-replica
.PHONY: install lock upgrade serve test test-fast fuzz lint lint-contract typecheck openapi catalogs bench soak bench-tools clean docs docs-build

# Every dependency, transitive ones, the installer (uv) and the build backend included, is
# pinned with hashes in requirements.lock; the install is exactly the lock, never a fresh
# resolution. uv itself is bootstrapped by pip from its own pinned, hashed lines of the lock.
LOCK := requirements.lock
UV := $(BIN)/uv
LOCK_FLAGS := pyproject.toml --all-extras --generate-hashes --no-emit-index-url --universal \
	--python-version 3.11 --quiet

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	awk '/^uv==/ {p = 1} p {print} p && !/\\$$/ {exit}' $(LOCK) > $(VENV)/uv.lock.txt
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(VENV)/uv.lock.txt
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes $(LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $(STAMP)

# After editing pyproject.toml: re-lock, keeping every pin that still fits.
lock: $(STAMP)
	$(UV) pip compile $(LOCK_FLAGS) -o $(LOCK)

# Move every dependency to its newest release allowed by pyproject.toml (then `make test`).
upgrade: $(STAMP)
	$(UV) pip compile $(LOCK_FLAGS) --upgrade -o $(LOCK)

# The contract linter (Redocly CLI, an npm package) is pinned with its integrity hash in
# contract/package-lock.json; `npm ci` installs exactly that lock, nothing else.
NODE_STAMP := contract/node_modules/.installed
REDOCLY := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	contract/node_modules/.bin/redocly

$(NODE_STAMP): contract/package.json contract/package-lock.json
	cd contract && npm ci --ignore-scripts --no-audit --no-fund
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

# `vetted serve` seeds an empty database itself; it never imports over published content.
serve: $(STAMP)
	$(BIN)/vetted serve --db $(DB) --host $(HOST) --port $(PORT)

# The writer with continuous replication (deploy/litestream.yml; set VETTED_REPLICA_URL and
# the bucket's AWS_* credentials): Litestream runs `vetted serve` as its child, so the
# database is replicated from before the first write until after the last.
serve-replicated: $(STAMP)
	VETTED_DB=$(abspath $(DB)) $(BIN)/litestream replicate -config deploy/litestream.yml \
		-exec "$(BIN)/vetted serve --db $(abspath $(DB)) --host $(HOST) --port $(PORT)"

# After losing the writer's disk: the replica's latest state into RESTORED (a new file),
# checked by `vetted backup` before anything serves it (docs/operators/topology.md).
RESTORED ?= restored.db
restore-replica: $(STAMP)
	VETTED_DB=$(abspath $(DB)) $(BIN)/litestream restore -config deploy/litestream.yml \
		-o $(abspath $(RESTORED)) $(abspath $(DB))

lint: $(STAMP)
	$(BIN)/ruff check api tests bench tools
	$(BIN)/ruff format --check api tests bench tools

typecheck: $(STAMP)
	$(BIN)/mypy

# The contract partners generate clients from: valid OpenAPI 3.1, and clean under Redocly's
# recommended rules with no error and no warning (Redocly itself fails only on errors).
lint-contract: $(STAMP) $(NODE_STAMP)
	$(BIN)/openapi-spec-validator openapi.yaml
	$(REDOCLY) lint openapi.yaml --config contract/redocly.yaml
	$(REDOCLY) lint openapi.yaml --config contract/redocly.yaml --format json > $(VENV)/redocly.json
	$(BIN)/python -c "import json, sys; t = json.load(open('$(VENV)/redocly.json'))['totals']; \
		sys.exit(f'redocly: {t}' if t['errors'] or t['warnings'] else 0)"

# The suite runs on every core (pytest-xdist): PYTEST_WORKERS=0 runs it in this process, one
# test at a time. A file's tests stay together on one worker (--dist loadfile), in file
# order, as when run by hand: a module-scoped server (the workspace's browser tests, the
# crash tests) is started once, and tests that continue each other's work stay together.
PYTEST_WORKERS ?= auto

test: lint typecheck lint-contract docs-build
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

# The documentation site (docs/, mkdocs.yml): `make docs` serves it while you edit it, on
# 127.0.0.1:8001 (`make serve` has 8000); `make docs-build` builds it into site/ and fails on
# any warning (a broken link, a page missing from the navigation, an unknown generated part).
DOCS_PORT ?= 8001

MKDOCS := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

docs: $(STAMP)
	$(MKDOCS) serve --dev-addr 127.0.0.1:$(DOCS_PORT)

docs-build: $(STAMP)
	$(MKDOCS) build --strict --quiet

# The inner loop: every test that needs no browser, no process of its own and no long
# in-process run (markers in pyproject.toml, put on by tests/conftest.py), on every core;
# no lint, type-check or contract lint. It prints its wall time (target: under a minute).
FAST_MARKERS := not browser and not process and not slow

test-fast: $(STAMP)
	@start=$$(date +%s%N); \
	VETTED_TEST_FAST=1 $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile -m "$(FAST_MARKERS)" \
		$(PYTEST_ARGS); status=$$?; \
	echo "make test-fast: $$(( ($$(date +%s%N) - start) / 1000000 )) ms wall time"; \
	exit $$status

# The contract fuzz test with ten times the examples `make test` uses (a minute or two).
fuzz: $(STAMP)
	VETTED_FUZZ_EXAMPLES=100 $(BIN)/pytest tests/web/test_fuzz.py

openapi: $(STAMP)
	$(BIN)/vetted openapi --output openapi.yaml

# Re-extract every template and merge it into every catalog (translators' round trip), one
# gettext domain at a time (docs/translators): each article's own, named by its slug (its
# file and its earlier versions'), `shared` (the treatment records and the fact phrases) and
# `workspace` (the workspace's own words). A locale (a folder with a shared.po) that lacks
# an article's catalog gets one from `pybabel init`; `compile` checks every catalog (.mo
# files are not committed).
EXTRACT := $(BIN)/pybabel extract -F babel.cfg --no-wrap -c translators: --project Vetted --copyright-holder Vetted
UPDATE := $(BIN)/pybabel update -d locales --no-wrap --ignore-obsolete

catalogs: $(STAMP)
	@set -e; for file in content/articles/*.yaml; do slug=$$(basename $$file .yaml); \
		echo "catalogs of $$slug"; \
		$(EXTRACT) -o locales/$$slug.pot $$file $$(ls content/history/$$slug/*/article.yaml 2>/dev/null) 2>/dev/null; \
		for shared in locales/*/LC_MESSAGES/shared.po; do locale=$$(basename $$(dirname $$(dirname $$shared))); \
			test -f locales/$$locale/LC_MESSAGES/$$slug.po || \
			$(BIN)/pybabel init -D $$slug -l $$locale -i locales/$$slug.pot -d locales --no-wrap; \
		done; \
		$(UPDATE) -D $$slug -i locales/$$slug.pot >/dev/null; \
		$(BIN)/pybabel compile -D $$slug -d locales >/dev/null; \
	done
	$(EXTRACT) -o locales/shared.pot api/core/formatting.py content/treatments.yaml $$(ls content/history/*/*/treatments.yaml 2>/dev/null)
	$(UPDATE) -D shared -i locales/shared.pot
	$(BIN)/pybabel compile -D shared -d locales
	$(BIN)/pybabel extract -F babel-workspace.cfg -o locales/workspace.pot --no-wrap -k N_ -c translators: --project "Vetted workspace" --copyright-holder Vetted .
	$(UPDATE) -D workspace -i locales/workspace.pot
	$(BIN)/pybabel compile -D workspace -d locales

# Speed, side by side (needs wrk and nginx: installed from Debian packages when missing).
# BENCH_SECONDS (one wrk run, default 4), BENCH_ROUNDS (3), BENCH_ARTICLES (1000) and
# BENCH_LARGE_ARTICLES (10000; 0 skips the second corpus) shorten a run.
bench: $(STAMP) bench-tools
	$(BIN)/python -m bench.run

# Bounded load with publishes: SOAK_SECONDS (default 60).
soak: $(STAMP) bench-tools
	$(BIN)/python -m bench.soak

bench-tools:
	@if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null \
		|| [ ! -e /usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk nginx \
			libnginx-mod-http-headers-more-filter; \
	fi

clean:
	rm -rf $(VENV) contract/node_modules site $(DB) $(DB)-wal $(DB)-shm $(DB)-sender.lock
