# One command each on a fresh machine: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: setup run test lint format typecheck pytest browser-deps voikko-deps pdf-deps vendor translations clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup voikko-deps pdf-deps
	$(VENV)/bin/cafe run --host $(HOST) --port $(PORT)

test: setup browser-deps voikko-deps pdf-deps lint typecheck pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: setup
	$(VENV)/bin/mypy

pytest: setup
	$(VENV)/bin/pytest -q

browser-deps:
	@bash scripts/ensure-chromium

# Optional: Finnish lemmas for suggested themes (Snowball is the fallback).
voikko-deps:
	@bash scripts/ensure-voikko

# The PDF export's WeasyPrint needs Debian's Pango and the DejaVu fonts.
pdf-deps:
	@bash scripts/ensure-pango

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
