# MODO: `make run` starts the platform on its embedded defaults; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install messages browser node run dev worker worker-io worker-encode beat test smoke lint format migrate bench bench-load bench-analytics bench-embedded clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Compiled translations (locale/*/LC_MESSAGES/django.mo) are built here, never committed.
messages: install
	@command -v msgfmt >/dev/null || { echo "Installing gettext (msgfmt)..."; \
		(apt-get update -qq && apt-get install -y -qq gettext) >/dev/null 2>&1 || \
		{ echo "msgfmt is missing: install GNU gettext (e.g. apt-get install gettext)." >&2; exit 1; }; }
	DJANGO_SETTINGS_MODULE=modo.settings.local $(PY) manage.py compilemessages --ignore=.venv --verbosity 0

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { echo "Installing Chromium for the browser tests..."; \
		(apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 || \
		{ echo "Chromium is missing at $(CHROMIUM): install it (e.g. apt-get install chromium)." >&2; exit 1; }; }

# Node tools the tests use (package.json): axe-core (colour contrast in Chromium) and s3rver (an
# S3 server that checks signed URLs and their expiry). node_modules is not committed.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Installing Node.js and npm..."; \
		(apt-get update -qq && apt-get install -y -qq nodejs npm) >/dev/null 2>&1 || \
		{ echo "npm is missing: install Node.js (e.g. apt-get install nodejs npm)." >&2; exit 1; }; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

node: node_modules/.installed

migrate: messages
	$(PY) manage.py migrate --noinput

# The production web server (gunicorn.conf.py: uvicorn workers, ASGI) and real Celery workers
# (with beat) on the filesystem broker: no servers, no keys. `make dev`: Django's autoreloading
# server instead of gunicorn.
WEB ?= $(VENV)/bin/gunicorn -c gunicorn.conf.py modo.asgi:application
run: migrate
	@mkdir -p var
	@$(PY) manage.py seed_demo
	@echo "MODO runs at http://$(HOST):$(PORT)/  (Ctrl-C stops the web server and the workers)"
# On the way out each worker's main process alone is told to stop (a warm shutdown stops its
# pool and beat): signalling its pool children too can leave it hung on their queue lock.
	@trap 'trap - INT TERM EXIT; kill $$worker $$io 2>/dev/null; wait $$worker $$io' INT TERM EXIT; \
	$(VENV)/bin/celery -A modo worker -B -Q default,encode --concurrency 2 -n main@%h \
		--schedule var/celerybeat-schedule --loglevel INFO --logfile var/worker.log & worker=$$!; \
	$(VENV)/bin/celery -A modo worker -Q text,images,video --pool threads --concurrency 20 -n io@%h \
		--loglevel INFO --logfile var/worker-io.log & io=$$!; \
	WEB_BIND=$(HOST):$(PORT) WEB_WORKERS=$${WEB_WORKERS:-2} DEBUG=$${DEBUG:-true} $(WEB)

dev: migrate
	@mkdir -p var
	@$(PY) manage.py seed_demo
	@trap 'trap - INT TERM EXIT; kill $$worker 2>/dev/null; wait $$worker' INT TERM EXIT; \
	$(VENV)/bin/celery -A modo worker -B -Q default,text,images,video,encode --pool threads --concurrency 8 \
		--schedule var/celerybeat-schedule --loglevel INFO --logfile var/worker.log & worker=$$!; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production's worker kinds (docker-compose.yml): housekeeping, provider waits, ffmpeg encodes.
worker: install
	$(VENV)/bin/celery -A modo worker -Q default --loglevel INFO

worker-io: install
	$(VENV)/bin/celery -A modo worker -Q text,images,video --pool threads --concurrency $${IO_CONCURRENCY:-50} -n io@%h --loglevel INFO

worker-encode: install
	$(VENV)/bin/celery -A modo worker -Q encode --concurrency $${ENCODE_CONCURRENCY:-$$(nproc)} -n encode@%h --loglevel INFO

beat: install
	$(VENV)/bin/celery -A modo beat --schedule var/celerybeat-schedule --loglevel INFO

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=modo.settings.local $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: messages browser node
	bash scripts/ensure-services.sh
	$(MAKE) lint
	$(VENV)/bin/pytest

# Production smoke test (scripts/smoke.py): a venv of requirements.txt alone; web (the Dockerfile's
# CMD), worker and beat on production settings, PostgreSQL through PgBouncer, Redis, an S3 server.
PGBOUNCER ?= /usr/sbin/pgbouncer
smoke: install
	@test -x $(PGBOUNCER) || command -v pgbouncer >/dev/null || { echo "Installing PgBouncer..."; \
		(apt-get update -qq && apt-get install -y -qq pgbouncer) >/dev/null 2>&1 || \
		{ echo "PgBouncer is missing: install it (e.g. apt-get install pgbouncer)." >&2; exit 1; }; }
	bash scripts/ensure-services.sh
	$(PY) scripts/smoke.py

bench: install
	bash scripts/ensure-services.sh
	$(PY) bench/credits.py
	$(PY) bench/generate.py
	$(PY) bench/film.py

# Longer runs: 1,000 simulated users with locust; the analytics queries on 1M usage rows.
bench-load: install
	bash scripts/ensure-services.sh
	$(PY) bench/load.py

# 50 requests at once on the embedded default (SQLite file, no servers) behind gunicorn.
bench-embedded: install
	$(PY) bench/embedded.py

bench-analytics: install
	bash scripts/ensure-services.sh
	$(PY) bench/analytics.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache node_modules
