# One command each on a fresh machine: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Optional extras `make run` installs besides what serving needs: redis (CAFE_MESSAGE_QUEUE),
# postgres (CAFE_DATABASE_URL), comma-separated: `make run EXTRAS=redis,postgres`.
EXTRAS ?=
comma  := ,
# Every install takes the versions pinned in constraints.txt (`make constraints` renews it).
PIP    := $(VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt
# `make run` installs the app alone; `make test` (and `make setup`) the dev tools too.
RUN_STAMP := $(VENV)/.installed-run$(if $(EXTRAS),-$(subst $(comma),-,$(EXTRAS)))
DEV_STAMP := $(VENV)/.installed-dev
# The front end's checks (ESLint) come from the npm registry, pinned in package-lock.json.
JS_STAMP  := node_modules/.installed

.PHONY: setup run test lint format typecheck pytest pytest-postgres service-deps js-test js-deps node-deps constraints browser-deps voikko-deps pdf-deps vendor translations clean

$(PY):
	python3 -m venv $(VENV)

$(RUN_STAMP): pyproject.toml constraints.txt | $(PY)
	$(PIP) -e '.$(if $(EXTRAS),[$(EXTRAS)])'
	touch $@

# Every extra, so that `make constraints` pins them all (tests/test_production.py checks
# the start-up refusal of an unreachable Redis queue).
$(DEV_STAMP): pyproject.toml constraints.txt | $(PY)
	$(PIP) -e '.[dev,redis,postgres]'
	touch $@

setup: $(DEV_STAMP)

# Without Pango only the PDF export is unavailable: a warning, never a failed start.
run: $(RUN_STAMP) voikko-deps
	@bash scripts/ensure-pango --warn
	$(VENV)/bin/cafe run --host $(HOST) --port $(PORT)

TEST_STAGES := setup browser-deps voikko-deps pdf-deps service-deps lint typecheck js-test pytest pytest-postgres

# Each stage in turn, with its duration printed at the end (scripts/stages).
test:
	@bash scripts/stages $(MAKE) $(TEST_STAGES)
# The tests that need PostgreSQL, Redis or nginx fail instead of skipping when missing.
test: export CAFE_REQUIRE_SERVICES := 1

# Pin what the dev venv resolves (run after changing dependencies in pyproject.toml, then
# `make test`); a fresh machine installs exactly these versions from PyPI. Installed without
# the old pins, so that a raised minimum is taken; to move a pin on purpose, first
# `.venv/bin/pip install -U NAME`.
constraints: | $(PY)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[dev,redis,postgres]'
	@{ echo "# Versions every install takes (pip install -c constraints.txt), from \`make constraints\`."; \
	  $(VENV)/bin/pip list --format=freeze --exclude-editable --disable-pip-version-check \
	    | grep -v -i -E '^(cafe|pip|setuptools|wheel)==' | LC_ALL=C sort -f; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	touch $(DEV_STAMP)

lint: setup js-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	npx --no-install eslint --cache --cache-location node_modules/.cache/eslint/ static/js eslint.config.js tests/js

# The front end's unit tests (tests/js), in Node's own test runner: no browser, no server.
js-test: node-deps
	node --test tests/js/*.test.js

# Exactly the versions package-lock.json names (node_modules/ is not committed).
$(JS_STAMP): package.json package-lock.json | node-deps
	npm ci --no-audit --no-fund
	touch $@

js-deps: $(JS_STAMP)

node-deps:
	@bash scripts/ensure-node

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: setup
	$(VENV)/bin/mypy

pytest: setup
	$(VENV)/bin/pytest -q

# The database tests (marked `database`: tests/services.py names them) a second time, on a
# private PostgreSQL that tests/services.py starts and stops (CAFE_TEST_DATABASE_URL).
pytest-postgres: setup
	$(PY) -m tests.services postgres -- $(VENV)/bin/pytest -q -m database

browser-deps:
	@bash scripts/ensure-chromium

# Optional: Finnish lemmas for suggested themes (Snowball is the fallback).
voikko-deps:
	@bash scripts/ensure-voikko

# The PDF export's WeasyPrint needs Debian's Pango and the DejaVu fonts.
pdf-deps:
	@bash scripts/ensure-pango

# The tests start their own PostgreSQL, Redis and nginx (tests/services.py) from Debian's
# packages: the database tests on PostgreSQL, the scale-out test on all three.
service-deps:
	@bash scripts/ensure-postgres
	@bash scripts/ensure-redis
	@bash scripts/ensure-nginx

# Refresh the vendored Socket.IO client from the npm registry (committed; not needed to run).
vendor:
	cd /tmp && rm -rf cafe-vendor && mkdir cafe-vendor && cd cafe-vendor && \
	  npm pack socket.io-client@4 --silent && tar xzf socket.io-client-*.tgz
	cp /tmp/cafe-vendor/package/dist/socket.io.min.js static/vendor/socket.io.min.js

# Re-extract UI strings and merge them into the catalogs, then compile.
translations: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -o cafe/translations/messages.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i cafe/translations/messages.pot -d cafe/translations --no-fuzzy-matching --ignore-obsolete
	$(VENV)/bin/pybabel compile -d cafe/translations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules
