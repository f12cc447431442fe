# Deep Learning from Scratch: the classroom platform.
# Two commands do all the set-up on a fresh machine: `make up` and `make test`.
# Run `make help` for the rest.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
# A CA bundle that pip trusts during image builds only (TLS interception). By
# default the host's own system bundle: the builds trust what the host trusts.
CA_BUNDLE ?= $(firstword $(wildcard /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt))
export CA_BUNDLE
# Which images to build/smoke (folders under images/); default: all.
IMAGES ?=

.PHONY: help up images smoke test test-fast test-images lock readme clean engine

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

engine: ## Make sure a Docker engine answers (installs Debian's docker.io as root if none)
	@tools/ensure_docker.sh

up: images ## Build what is missing and start the classroom
	@echo "==> Images built. The classroom hub (hub/) comes next; for now, run a notebook image by hand:"
	@echo "    docker run --rm -p 8888:8888 $$($(PYTHON) -m tools.config refs | cut -d' ' -f1) jupyter lab --ip=0.0.0.0"

images: engine ## Build the course images (cached; CA_BUNDLE=path for builds behind TLS interception)
	@$(PYTHON) -m tools.build $(IMAGES)

smoke: images ## Run every notebook in every image it belongs to (report: build/smoke/report.md)
	@$(PYTHON) -m tools.smoke $(IMAGES)

$(VENV)/.installed: tests/requirements.txt
	@echo "==> Creating the test environment $(VENV)"
	@$(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed: install python3-venv (Debian/Ubuntu) and retry" >&2; exit 1; }
	@PIP_CERT=$${PIP_CERT:-$(CA_BUNDLE)} $(VENV)/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
	@touch $@

test: ## Run all the tests: fast notebook/config tests, then the images and their smoke runs
	@$(MAKE) --no-print-directory test-fast
	@$(MAKE) --no-print-directory images
	@$(MAKE) --no-print-directory test-images

test-fast: $(VENV)/.installed ## Only the tests that need no Docker
	@echo "==> Fast tests (no Docker)"
	@$(VENV)/bin/pytest -q -m "not docker" tests

test-images: $(VENV)/.installed engine ## Only the tests on built images (smoke runs included)
	@echo "==> Image tests (papermill in every image)"
	@$(VENV)/bin/pytest -q -rA -m docker tests

lock: $(VENV)/.installed ## Regenerate every image's lock (with hashes) from its requirements.in
	@$(VENV)/bin/python -m tools.lock

readme: ## Regenerate the README's course and image tables from the manifest
	@$(PYTHON) -m tools.readme

clean: ## Remove build reports and the test environment (images and student data are kept)
	rm -rf build $(VENV) .pytest_cache
