# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := var/demo/access.jsonl

.PHONY: run test lint bench venv clean chromium screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

$(DEMO): | $(STAMP)
	$(BIN)/sentinel demo generate --days 7 --seed 42 --out $(DEMO) \
		--sshd var/demo/auth.log --combined var/demo/web.log --members var/demo/members.csv

run: $(STAMP) $(DEMO)
	$(BIN)/sentinel run

lint: $(STAMP)
	$(BIN)/ruff check sentinel tests bench
	$(BIN)/ruff format --check sentinel tests bench

test: lint chromium
	$(BIN)/pytest -q

# The browser tests drive Debian's chromium (Playwright's own download does not work
# here). Installed when missing and we are root; otherwise those tests say why they skip.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "chromium not installed and not root: browser tests will be skipped" \
				"(sudo apt-get install chromium)"; \
		fi; \
	fi

# The README's pictures of the console, taken by the browser tests into docs/screenshots
# (a plain test run keeps them in pytest's temporary folder and leaves the checkout alone).
screenshots: $(STAMP) chromium
	SENTINEL_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q -m browser tests/web

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
