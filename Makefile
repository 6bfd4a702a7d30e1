# The two commands of the README: `make run` and `make test`. Both set up from nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test test-unit test-integration lint typecheck schemas docs constraints clean

# Everything (worker, client, dev tools) at the versions in constraints.txt.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Run the main job once on the embedded broker: seeds → worker → enriched events + metrics.
run: setup
	scripts/system-deps.sh run
	$(BIN)/newsflow demo

## Unit + integration tests; starts the local broker if no cluster is configured.
test: setup
	scripts/system-deps.sh test
	scripts/run-tests.sh

test-unit: setup
	$(BIN)/pytest tests/unit

lint: setup
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests

typecheck: setup
	$(BIN)/mypy

schemas: setup
	$(BIN)/newsflow schemas write

## Render docs/*.dot (architecture pictures) to PNG and SVG; needs Graphviz (apt-get install graphviz).
docs:
	for f in docs/*.dot; do dot -Tpng -Gdpi=110 "$$f" -o "$${f%.dot}.png" && dot -Tsvg "$$f" -o "$${f%.dot}.svg"; done

## Re-pin constraints.txt from the venv after changing dependencies in pyproject.toml.
constraints: setup
	$(BIN)/python -m pip install -q -e '.[dev]'
	{ echo '# Every package `make setup` installs, at the versions tested together (pip install -c constraints.txt).'; \
	  echo '# Regenerate after changing pyproject.toml dependencies: make constraints'; \
	  $(BIN)/python -m pip freeze --exclude-editable; } > constraints.txt

clean:
	-$(BIN)/newsflow kafka stop
	rm -rf $(VENV) .newsflow
