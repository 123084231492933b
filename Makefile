# One command to run, one to test. Nothing to install by hand but Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)
# Test processes (pytest-xdist): one per core, at most 4; each builds its own demo databases.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)

.PHONY: help install run test test-sqlite bench lint clean config browser-deps

help:
	@echo "make run     set up, create the SQLite database with demo data, serve 8069 and 8000"
	@echo "make test    set up and run the whole test suite (SQLite and PostgreSQL)"
	@echo "make browser-deps  install chromium and chromium-driver (root, apt-get) for the browser test"
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

test: install browser-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

test-sqlite: install browser-deps
	GATEWAY_TEST_BACKENDS=sqlite $(BIN)/python -m pytest -n $(TEST_WORKERS)

# The kitchen page's browser test drives Debian's headless Chromium through its chromedriver.
# Installed here (as root, with apt-get) rather than by hand; otherwise the test says how.
BROWSER_PACKAGES := chromium chromium-driver
browser-deps:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing $(BROWSER_PACKAGES) for the browser test"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(BROWSER_PACKAGES) \
		|| { DEBIAN_FRONTEND=noninteractive apt-get update \
		     && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(BROWSER_PACKAGES); }; \
	else \
		echo "note: /usr/bin/chromium or /usr/bin/chromedriver is missing; the browser test is skipped"; \
		echo "      (install the Debian packages $(BROWSER_PACKAGES), as root: make browser-deps)"; \
	fi

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

config:
	$(BIN)/python -c 'from gateway.config import render_toml; print(render_toml(), end="")' > config.toml

clean:
	rm -rf $(VENV) data .pytest_cache
