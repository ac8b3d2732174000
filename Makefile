# Code Monitor — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000
HOST ?= 127.0.0.1
DATA_DIR ?= $(CURDIR)/var
export DATA_DIR

# Settings for the test run: a throwaway key, production mode (DEBUG off) as in deployment.
TEST_ENV := SECRET_KEY=test-only-key-$(shell date +%s)-never-used-in-production-0123456789abcdef DEBUG=0

.PHONY: run test install install-dev system-deps system-deps-run lint typecheck pytest messages forms worker clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages, installed only when missing: Pango and fonts for PDF (run and test);
# gettext for the catalogs, Chromium and Node.js for the browser tests (test only), and axe-core
# from the npm registry (package.json, pinned by package-lock.json), which checks their pages.
system-deps-run:
	@missing=""; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	ldconfig -p | grep -q libcairo.so.2 || missing="$$missing libcairo2"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core fontconfig"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

system-deps: system-deps-run
	@missing=""; command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@[ -f node_modules/axe-core/axe.min.js ] || npm ci --no-audit --no-fund --silent

$(DATA_DIR)/secret-key:
	@mkdir -p $(DATA_DIR)
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(64))" > $@
	@chmod 600 $@

# Install, prepare an SQLite database with reference data, instruments and a demo round, and
# serve Code Monitor on http://$(HOST):$(PORT)/ with gunicorn.
run: install system-deps-run $(DATA_DIR)/secret-key
	@export SECRET_KEY="$$(cat $(DATA_DIR)/secret-key)" SECURE_COOKIES=$${SECURE_COOKIES:-0}; \
	$(MANAGE) migrate --noinput -v0 && \
	$(MANAGE) createcachetable -v0 && \
	$(MANAGE) collectstatic --noinput -v0 && \
	$(MANAGE) bootstrap && \
	$(MANAGE) send_reminders --schedule && \
	$(MANAGE) maintenance --schedule && \
	$(MANAGE) publish_due --schedule && \
	echo && echo "Code Monitor is at http://$(HOST):$(PORT)/" && \
	echo "Sign in at http://$(HOST):$(PORT)/account/sign-in/" && \
	echo "  Secretariat: user secretariat, password $$(cat $(DATA_DIR)/secretariat-password.txt) (the first sign-in sets up the authenticator app)" && \
	{ [ ! -f $(DATA_DIR)/focal-point-password.txt ] || echo "  Demo focal point: user focal-point, password $$(cat $(DATA_DIR)/focal-point-password.txt)"; } && \
	echo "  Stakeholder reporting (no account): http://$(HOST):$(PORT)/isri/" && \
	echo "Stop with Ctrl+C." && echo && \
	{ $(BIN)/python -m codemonitor.supervise -- $(MANAGE) worker --no-startup-delay --interval 2 & } && \
	trap 'kill %1 2>/dev/null' EXIT INT TERM && \
	$(BIN)/gunicorn codemonitor.wsgi --bind $(HOST):$(PORT) --workers $${WORKERS:-3} --timeout $${TIMEOUT:-300} --access-logfile -

# Install everything and run the whole suite: lint, types, tests.
test: install-dev system-deps
	$(BIN)/ruff check .
	cd codemonitor && ../$(BIN)/django-admin compilemessages -v0
	$(TEST_ENV) $(BIN)/mypy .
	$(TEST_ENV) $(BIN)/pytest -n $${TEST_PROCESSES:-auto} $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .

messages: install-dev
	cd codemonitor && ../$(BIN)/django-admin makemessages --no-obsolete -l fr -l ar -l zh_Hans -l ru -l es
	cd codemonitor && ../$(BIN)/django-admin compilemessages

# The background worker (receipts, reminders) on its own; `make run` starts one too. It waits
# out database outages, and the supervisor starts it again if it dies.
worker: install
	@export SECRET_KEY="$$(cat $(DATA_DIR)/secret-key)"; $(BIN)/python -m codemonitor.supervise -- $(MANAGE) worker

forms: install
	DEBUG=1 $(MANAGE) buildform forms/isri-2024 forms/nri-2024

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
