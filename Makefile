# The project's entry points. `make serve` and `make test` set up .venv by themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test test-fast test-postgres test-r system bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[server,dev]"
	touch $(STAMP)

serve: install
	$(BIN)/figtrail serve $(if $(PORT),--port $(PORT))

test: install system
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick loop: the suite without the tests that drive chromium, start Jupyter kernels, build a
# virtualenv, run R or run on PostgreSQL (the markers: tests/conftest.py). `make test` runs everything.
test-fast: install system
	$(BIN)/python -m pytest -m "not browser and not kernel and not venv and not r and not postgres" $(PYTEST_ARGS)

# The same suite against a throw-away PostgreSQL cluster on loopback (one database per test server).
test-postgres: install system
	@dir=$$(mktemp -d /tmp/figtrail-pg.XXXXXX); \
	url=$$(bash scripts/postgres.sh start $$dir) || exit 1; \
	FIGTRAIL_TEST_DATABASE_URL=$$url $(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	bash scripts/postgres.sh stop $$dir; rm -rf $$dir; exit $$status

# The official R client (gofigR 2.0.2) against a live server: R from Debian, gofigR and the CRAN packages
# Debian lacks from ../shared/vendor/r (scripts/install-r.sh, into .r-library/), then tests/r.
test-r: install system
	@bash scripts/install-r.sh >/dev/null
	FIGTRAIL_TEST_R=1 $(BIN)/python -m pytest tests/r $(PYTEST_ARGS)

system:
	@bash scripts/ensure-system-packages.sh

# Benchmark-only tools live in their own virtualenv, never in .venv or pyproject.toml: MLflow, for the
# side-by-side in benchmarks/capture_latency.py (which runs it as a worker process of this venv).
# mlflow 3.18.0 is not installable here (its mlflow-tracing==3.18.0 is missing from the index), so 3.17.2.
BENCH_VENV := .venv-bench
BENCH_PINS := mlflow==3.17.2 matplotlib==3.11.2
BENCH_STAMP := $(BENCH_VENV)/.installed-$(subst ==,-,$(subst $() ,_,$(BENCH_PINS)))

$(BENCH_STAMP):
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	rm -f $(BENCH_VENV)/.installed-*
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet $(BENCH_PINS)
	touch $@

bench: install $(BENCH_STAMP)
	@for script in benchmarks/*.py; do echo "== $$script"; \
		BENCH_MLFLOW_PYTHON=$(CURDIR)/$(BENCH_VENV)/bin/python $(BIN)/python $$script || exit 1; done

# ruff on everything; mypy --strict on the client's layers (client, capture, ai: [tool.mypy] in pyproject.toml)
lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(BENCH_VENV)
