# guideline-as-code. Quick start: `make pdf` (publish every guideline) and `make test`.
# Every target first runs scripts/bootstrap, which installs the system packages the target needs
# (README: "What the bootstrap installs, and why") and builds .venv/ from requirements.lock,
# printing one line per step it takes and nothing when the machine is ready.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
CONTENT ?= content
OUT     ?= build
JOBS    ?=
SHARD   ?=
BUILD_FLAGS ?=
PYTEST_ARGS ?=
BOOTSTRAP = @PYTHON=$(PYTHON) VENV=$(VENV) scripts/bootstrap

.PHONY: all pdf html check test bench clean distclean venv serve images fresh-check site
.DEFAULT_GOAL := pdf

all: pdf

## venv: .venv/ from requirements.lock (rebuilt when the pins or pyproject.toml change)
venv:
	$(BOOTSTRAP) venv

## check: validate every guideline under content/ (the citation gate)
check:
	$(BOOTSTRAP) venv
	@$(BIN)/guideline check $(CONTENT)

## pdf: publish: check --strict (warnings and TODO: placeholders are errors), then build every
## document of every guideline into build/ (SHARD=K/N: one CI shard; BUILD_FLAGS: more build options)
pdf:
	$(BOOTSTRAP) pdf
	@$(BIN)/guideline build $(CONTENT) --strict --out $(OUT) $(if $(JOBS),-j $(JOBS),) $(if $(SHARD),--shard $(SHARD),) $(BUILD_FLAGS)

## html: the same, HTML outputs only (no PDF rendering)
html:
	$(BOOTSTRAP) pdf
	@$(BIN)/guideline build $(CONTENT) --strict --out $(OUT) --html-only $(if $(JOBS),-j $(JOBS),)

## site: the published site in $(SITE)/: each guideline's newest release (tag <id>/vX.Y.Z) as current,
## every release under <id>/vX.Y.Z/, the last `make pdf` ($(OUT)/) as <id>/unreleased/ where it
## differs; RELEASE_CACHE=folder keeps release builds between runs (outside the working tree)
SITE          ?= site
RELEASE_CACHE ?=
site:
	$(BOOTSTRAP) pdf
	@$(BIN)/guideline publish $(CONTENT) --out $(SITE) --build $(OUT) $(if $(RELEASE_CACHE),--cache $(RELEASE_CACHE),)

## serve: live preview on http://127.0.0.1:8000/, rebuilt and reloaded on every change
serve:
	$(BOOTSTRAP) pdf
	@$(BIN)/guideline serve $(CONTENT) --out $(OUT)

## test: the whole test suite (PYTEST_ARGS="..." adds pytest options)
test:
	$(BOOTSTRAP) test
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: the performance table (ratios measured in one run)
bench:
	$(BOOTSTRAP) bench
	@$(BIN)/python -m tests.bench.run

## fresh-check: a clone of this repository on a throwaway Debian bookworm (debootstrap, as root):
## `make pdf` and `make test` as a new user runs them (slow: see README)
fresh-check:
	@scripts/fresh-check

## images: the README's pictures (docs/images/) from the built documents, so they never go stale:
## the protocol's first and algorithm pages, the leaflet's first page with a Key points box
IMAGE_GUIDELINE ?= oligoprogression-egfr-nsclc
IMAGE_DPI       ?= 60
images: pdf
	@mkdir -p docs/images
	pdftoppm -png -r $(IMAGE_DPI) -f 1 -l 1 -singlefile $(OUT)/$(IMAGE_GUIDELINE)/clinician-protocol.pdf docs/images/protocol-first-page
	@pdf=$(OUT)/$(IMAGE_GUIDELINE)/clinician-protocol.pdf; \
	pages=$$(pdfinfo $$pdf | awk '/^Pages:/ {print $$2}'); \
	for p in $$(seq 1 $$pages); do \
	  if pdftotext -f $$p -l $$p $$pdf - | grep -q '^Figure 1[a-z]*\.'; then \
	    echo "pdftoppm -png -r $(IMAGE_DPI) -f $$p -l $$p -singlefile $$pdf docs/images/protocol-algorithm-page"; \
	    pdftoppm -png -r $(IMAGE_DPI) -f $$p -l $$p -singlefile $$pdf docs/images/protocol-algorithm-page; break; \
	  fi; \
	done
	@pdf=$(OUT)/$(IMAGE_GUIDELINE)/patient-explainer.pdf; \
	pages=$$(pdfinfo $$pdf | awk '/^Pages:/ {print $$2}'); \
	for p in $$(seq 1 $$pages); do \
	  if pdftotext -f $$p -l $$p $$pdf - | grep -q '^Key points'; then \
	    echo "pdftoppm -png -r $(IMAGE_DPI) -f $$p -l $$p -singlefile $$pdf docs/images/patient-explainer-page"; \
	    pdftoppm -png -r $(IMAGE_DPI) -f $$p -l $$p -singlefile $$pdf docs/images/patient-explainer-page; break; \
	  fi; \
	done

clean:
	rm -rf $(OUT) $(SITE) .cache

distclean: clean
	rm -rf $(VENV)
