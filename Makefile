# `make run` sets up and starts the app; `make test` sets up and runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test lint format bench load-test load-test-chromium chromium clean

# The project itself last, editable and --no-deps (the requirements are its dependencies): the `explorer` command,
# and `import explorer` for the bench scripts, from this checkout.
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

run: $(VENV)/.installed
	$(PY) -m ui.serve --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

chromium:  # browser tests drive Debian's Chromium; Playwright's own browser download does not work here
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: $(VENV)/.installed chromium lint
	$(PY) -m pytest

bench: $(VENV)/.installed chromium
	$(PY) bench/train_speed.py
	$(PY) bench/tick_cost.py
	$(PY) bench/sweep_speed.py
	$(PY) -m bench.page_load

# A module, from the checkout's root: it starts app.py and uses the tests' clients (tests/support).
load-test: $(VENV)/.installed  # 8, then 30 websocket sessions training on one server (minutes)
	$(PY) -m bench.load_test --sessions 8
	$(PY) -m bench.load_test --sessions 30

load-test-chromium: $(VENV)/.installed chromium  # 8 headless Chromium sessions: the browsers render every redraw
	$(PY) -m bench.load_test --clients chromium --sessions 8

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
