# salesmesh: `make demo` runs the product, `make test` runs every test.
# Both bootstrap the environment themselves on a fresh machine.

VENV      := .venv
BIN       := $(VENV)/bin
PORT      ?= 8000
# Demo data lives beside the checkout unless the caller points elsewhere.
export SALESMESH_DATA_DIR ?= $(CURDIR)/var
# uv must never download an interpreter here: it uses the one in .venv.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
UV        := $(BIN)/uv
SALESMESH := $(BIN)/salesmesh

.PHONY: demo test lint pytest install messages bench bench-import bench-mesh bench-load clean help audit

help:
	@echo "make demo   install, migrate, seed the demo company and serve http://127.0.0.1:$(PORT)"
	@echo "make bench  run the benchmark harnesses (planning; imports: make bench-import)"
	@echo "make bench-load  50 demo users against gunicorn on loopback (locust; p95 per group)"
	@echo "make test   install and run the whole suite (lint, types, import contracts, tests)"

# The venv is rebuilt only when the lock or the project metadata change,
# which keeps a second `make demo` fast.
$(VENV)/.synced: uv.lock pyproject.toml
	@test -x $(BIN)/python || { PY=$$(scripts/find-python) && "$$PY" -m venv $(VENV); }
	@test -x $(UV) || $(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.9"
	$(UV) sync --frozen --python $(BIN)/python --quiet
	@touch $@

install: $(VENV)/.synced

demo: install
	$(SALESMESH) migrate --no-input
	$(SALESMESH) seed-demo --if-empty
	@echo ""
	@echo "salesmesh is starting on http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	@# The background worker runs large imports; it stops with the server.
	@$(SALESMESH) db_worker --no-reload -v 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(SALESMESH) runserver --noreload 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy
	$(BIN)/lint-imports

# pytest exits 5 when it collected nothing: that is a broken suite, say so.
pytest: install
	@env -u SALESMESH_DATA_DIR $(BIN)/pytest $(PYTEST_ARGS) || { rc=$$?; \
		[ $$rc -ne 5 ] || echo "make: pytest collected no tests - the suite is broken" >&2; \
		exit $$rc; }

test: lint pytest

# Known vulnerabilities in every locked package (runtime and dev), from PyPI's advisory
# data. Needs the network; --strict fails when a package cannot be checked, so an
# unreachable advisory service is a clear failure, never a silent pass. Not part of
# `make lint`, which must work offline (docs/adr/0012-hardening.md).
audit: install
	@$(UV) export --frozen --all-groups --no-emit-project --quiet > $(VENV)/audit-requirements.txt
	$(BIN)/pip-audit --strict --disable-pip --progress-spinner off \
		-r $(VENV)/audit-requirements.txt || { \
		echo "make audit: failed - a vulnerability above, or the advisory service could not be reached" >&2; \
		exit 1; }

# Refresh the translation catalogs after changing user-facing strings.
messages: install
	cd src/salesmesh && ../../$(SALESMESH) makemessages -l zh_Hans --no-obsolete \
		--ignore 'demo/names.py' && ../../$(SALESMESH) compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

bench: install
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.forecast

# A million generated activity rows through the import (ROWS=… to change).
ROWS ?= 1000000
bench-import: install
	$(BIN)/python -m benchmarks.imports --rows $(ROWS)

# The behaviour board and mesh tree of 1,000 reps over 10M generated activities
# (ACTIVITIES=… to change; MESH_DB=dir keeps the SQLite database for the next run;
# DATABASE_URL=postgres://…/bench_mesh runs it on PostgreSQL).
ACTIVITIES ?= 10000000
bench-mesh: install
	$(BIN)/python -m benchmarks.mesh --activities $(ACTIVITIES) $(if $(MESH_DB),--reuse $(MESH_DB))

# 50 demo users (locust) browsing a fresh demo company served by gunicorn on loopback;
# prints p95 per group against issue #6's budgets (LOAD_ARGS="--users 20 --run-time 2m" …;
# DATABASE_URL=postgres://…/bench_load runs it on PostgreSQL).
bench-load: install
	$(BIN)/python -m benchmarks.load $(LOAD_ARGS)
