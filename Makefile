# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := var/demo/access.jsonl

.PHONY: run test lint bench venv clean

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

test: lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
