# One command to run, one to test. Nothing to install by hand but Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)
# Test processes (pytest-xdist): one per core, at most 4; each builds its own demo databases.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)

.PHONY: help install run test test-sqlite bench lint clean config

help:
	@echo "make run     set up, create the SQLite database with demo data, serve 8069 and 8000"
	@echo "make test    set up and run the whole test suite (SQLite and PostgreSQL)"
	@echo "make bench   measure requests per second against plain-aiohttp references"
	@echo "make clean   remove the virtualenv and local data"

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/gateway db init
	$(BIN)/gateway demo --if-empty
	$(BIN)/gateway serve

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

test-sqlite: install
	GATEWAY_TEST_BACKENDS=sqlite $(BIN)/python -m pytest -n $(TEST_WORKERS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

config:
	$(BIN)/python -c 'from gateway.config import render_toml; print(render_toml(), end="")' > config.toml

clean:
	rm -rf $(VENV) data .pytest_cache
