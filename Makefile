# dangjian: the two commands are `make run` and `make test`; everything else is what they use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
PYTHON  ?= python3
PG_URL  ?= postgresql:///dangjian?host=/var/run/postgresql
export DJANGO_SETTINGS_MODULE ?= config.settings.dev
# pytest runs on every core (pytest-xdist), a test per worker at a time, except the modules of
# conftest.ONE_WORKER (the demo county, tests/demo/, is built once): `--dist loadscope` with
# conftest.py's scheduler. (loadgroup would say so with marks, but pytest 9 ignores its groups.)
# Tests that commit flush the seeded rows when they end, so they run in a second pass (conftest.py).
PYTEST_WORKERS ?= auto
PYTEST  := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope -m 'not transactional' --durations=20
PYTEST_COMMITTING := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope -m transactional --durations=20

.PHONY: help setup run test lint typecheck djangocheck pytest-sqlite pytest-postgres browser demo messages lock clean \
  pytest-sqlite-main pytest-sqlite-committing pytest-postgres-main pytest-postgres-committing

help:
	@echo "make run   安装依赖、迁移数据库、载入示范县数据，在 http://127.0.0.1:8000 启动网站和后台处理程序"
	@echo "make test  安装依赖，然后运行全部检查和测试（SQLite 与 PostgreSQL）"

# --- set-up ---------------------------------------------------------------

$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js 和 npm 来获取前端资源 (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

locale/en/LC_MESSAGES/django.mo: locale/en/LC_MESSAGES/django.po
	@command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext; }
	$(PY) manage.py compilemessages --ignore '.venv' --ignore 'node_modules' -v 0

setup: $(VENV)/.installed node_modules/.installed locale/en/LC_MESSAGES/django.mo

# --- run ------------------------------------------------------------------

run: setup
	$(PY) manage.py migrate --no-input -v 0
	$(BIN)/dangjian demo --if-empty
	$(BIN)/dangjian demo_logins
	@echo "开发服务器与后台处理程序（dangjian worker）一同运行；按 Ctrl-C 同时停止。"
	$(BIN)/dangjian serve 127.0.0.1:8000

demo: setup
	$(PY) manage.py migrate --no-input -v 0
	$(BIN)/dangjian demo

# --- test -----------------------------------------------------------------

browser:
	@command -v chromium >/dev/null || { \
	  echo "安装 Debian 的 Chromium 供浏览器测试使用 (apt-get install chromium)…"; \
	  apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  echo "安装中文字体供 PDF 与浏览器测试使用 (apt-get install fonts-noto-cjk)…"; \
	  apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null; }
	@command -v soffice >/dev/null || { \
	  echo "安装 LibreOffice Calc 供表格往返测试使用 (apt-get install libreoffice-calc-nogui)…"; \
	  apt-get update -qq && apt-get install -y -qq libreoffice-calc-nogui >/dev/null; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/mypy .

djangocheck: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-string-for-the-deploy-check-only \
	  DJANGO_ALLOWED_HOSTS=dangjian.example DANGJIAN_FIELD_ENCRYPTION_KEYS=$$($(PY) -c "import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())") \
	  DANGJIAN_LOOKUP_KEY=check DANGJIAN_ISSUER=CN-CHECK DANGJIAN_SIGNING_KEYS=$$(openssl rand -hex 32) \
	  DJANGO_SETTINGS_MODULE=config.settings.prod \
	  $(PY) manage.py check --deploy --fail-level WARNING

pytest-sqlite: pytest-sqlite-main pytest-sqlite-committing
pytest-postgres: pytest-postgres-main pytest-postgres-committing

pytest-sqlite-main: setup browser
	@echo "== pytest on SQLite"
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.test $(PYTEST)

pytest-sqlite-committing: setup browser
	@echo "== pytest on SQLite: the tests that commit"
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.test $(PYTEST_COMMITTING)

# $(1): a pytest command to run on PostgreSQL, skipped with a warning when the server does not
# answer (a failure with CI=true); $(2): what it runs.
define on_postgres
@url="$${DATABASE_URL:-$(PG_URL)}"; \
if $(PY) -c "import sys, psycopg; psycopg.connect(sys.argv[1], dbname='postgres', connect_timeout=3).close()" "$$url" 2>/dev/null; then \
  echo "== pytest on PostgreSQL ($$url)$(2)"; \
  DATABASE_URL="$$url" DJANGO_SETTINGS_MODULE=config.settings.test $(1); \
elif [ "$${CI:-}" = "true" ]; then \
  echo "PostgreSQL is not reachable at $$url, and CI=true requires it."; exit 1; \
else \
  echo ""; echo "!! PostgreSQL is not reachable at $$url: the PostgreSQL tests were SKIPPED."; \
  echo "!! Set DATABASE_URL to a reachable server to run them."; echo ""; \
fi
endef

pytest-postgres-main: setup browser
	$(call on_postgres,$(PYTEST))

# Its Redis tests use database 14, so that it may run beside the SQLite pass (database 15).
pytest-postgres-committing: setup browser
	$(call on_postgres,DANGJIAN_TEST_REDIS="$${DANGJIAN_TEST_REDIS_POSTGRES:-redis://127.0.0.1:6379/14}" $(PYTEST_COMMITTING),: the tests that commit)

# The checks and both committing passes side by side: the committing tests (browser, servers,
# workers started as processes) mostly wait, a quarter of the two cores busy, and mypy keeps
# one core for half a minute. Then the two main passes, each on both cores (docs/decisions/0282).
test: setup browser
	@$(MAKE) --no-print-directory -j5 --output-sync=target lint typecheck djangocheck \
	  pytest-sqlite-committing pytest-postgres-committing
	@$(MAKE) --no-print-directory pytest-sqlite-main
	@$(MAKE) --no-print-directory pytest-postgres-main

# --- maintenance ----------------------------------------------------------

messages: setup
	$(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'var/*' \
	  --ignore 'tests/*' --ignore '*/tests/*' --no-obsolete

lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean:
	rm -rf $(VENV) node_modules var/staticfiles
