# The project's entry points. `make serve` and `make test` set up .venv by themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test test-postgres system bench lint clean

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

# The same suite against a throw-away PostgreSQL cluster on loopback (one database per test server).
test-postgres: install system
	@dir=$$(mktemp -d /tmp/figtrail-pg.XXXXXX); \
	url=$$(bash scripts/postgres.sh start $$dir) || exit 1; \
	FIGTRAIL_TEST_DATABASE_URL=$$url $(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	bash scripts/postgres.sh stop $$dir; rm -rf $$dir; exit $$status

system:
	@bash scripts/ensure-system-packages.sh

bench: install
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

clean:
	rm -rf $(VENV)
