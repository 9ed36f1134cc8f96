# Two commands on a fresh machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
WORKERS ?= 2

.PHONY: demo test lint layers typecheck migrations-check unit browser bench install install-dev clean-demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e ".[demo]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e ".[dev,demo]"
	touch $@

install: $(VENV)/.installed-demo
install-dev: $(VENV)/.installed-dev

demo: install
	@$(BIN)/python -m finops.launcher

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# the import-linter contracts in pyproject.toml: dependencies point down (docs/architecture.md)
layers: install-dev
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy .

migrations-check: install-dev
	DJANGO_SETTINGS_MODULE=finops.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# Debian's Chromium for the browser tests: installed with apt-get (as root) where missing.
browser:
	@bash .ci/ensure-chromium

unit: install-dev browser
	$(BIN)/pytest -n $(WORKERS) --dist loadfile

test: lint layers typecheck migrations-check unit

# Benchmarks (about 5 minutes): BENCH_REPEAT=2 keeps the best of two, BENCH_ENFORCE=1 fails on a missed target.
bench: install-dev
	TEST_DATABASE_NAME=$${TEST_DATABASE_NAME:-test_fct_bench} $(BIN)/pytest tests/perf -p no:xdist -s

clean-demo:
	rm -rf .data
