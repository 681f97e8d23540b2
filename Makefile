# guideline-as-code: every target bootstraps .venv/ from requirements.lock first.
# Quick start: `make pdf` (publish every guideline) and `make test`.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
CONTENT ?= content
OUT     ?= build
JOBS    ?=
SHARD   ?=

.PHONY: all pdf html check test bench clean distclean venv serve
.DEFAULT_GOAL := pdf

all: pdf

# The virtual environment is rebuilt whenever the pins or the package metadata change.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

venv: $(STAMP)

## check: validate every guideline under content/ (the citation gate)
check: $(STAMP)
	$(BIN)/guideline check $(CONTENT)

## pdf: check, then build every document of every guideline into build/ (SHARD=K/N: one CI shard)
pdf: $(STAMP)
	$(BIN)/guideline check $(CONTENT)
	$(BIN)/guideline build $(CONTENT) --out $(OUT) $(if $(JOBS),-j $(JOBS),) $(if $(SHARD),--shard $(SHARD),)

## html: the HTML documents only (no PDF rendering)
html: $(STAMP)
	$(BIN)/guideline check $(CONTENT)
	$(BIN)/guideline build $(CONTENT) --out $(OUT) --html-only $(if $(JOBS),-j $(JOBS),)

## serve: live preview on http://127.0.0.1:8000/, rebuilt and reloaded on every change
serve: $(STAMP)
	$(BIN)/guideline serve $(CONTENT) --out $(OUT)

## test: the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest

## bench: the performance table (ratios measured in one run)
bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(OUT) .cache

distclean: clean
	rm -rf $(VENV)
