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

.PHONY: help lint format student exercises up down status logs roster codes backup restore share grade grades loadtest k8s-values k8s-lint push images hub-image smoke test test-fast test-images lock readme clean engine

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

engine: ## Make sure a Docker engine answers (installs Debian's docker.io as root if none)
	@tools/ensure_docker.sh

up: ## Build what is missing, start the classroom, print its URL and the first instructor's login
	@$(PYTHON) -m tools.check settings
	@$(MAKE) --no-print-directory images hub-image
	@$(PYTHON) -m tools.stack up

down: ## Stop the classroom (the hub's state and all student files are kept)
	@$(PYTHON) -m tools.stack down

status: ## Show the hub and the running student servers
	@$(PYTHON) -m tools.stack status

logs: ## Follow the hub's log
	@$(PYTHON) -m tools.stack logs

roster: ## After editing the roster: create the new accounts and print pending enrolment codes
	@$(PYTHON) -m tools.stack roster

codes: ## Print the enrolment codes not yet replaced by a password
	@$(PYTHON) -m tools.stack codes

backup: ## Write the hub's state and every student's files to backups/<date>.tar
	@$(PYTHON) -m tools.stack backup

share: ## Put a file or folder in every server's ~/shared (read-only for students): make share FILE=<path> [REPLACE=1]
	@$(PYTHON) -m tools.stack share "$(FILE)" $(if $(REPLACE),--replace)

restore: ## Bring a backup back: make restore BACKUP=backups/<file>.tar (never overwrites existing data)
	@$(PYTHON) -m tools.stack restore "$(BACKUP)"

grade: ## Grade every student's current notebooks with nbgrader, each in a sandbox: make grade [NOTEBOOK=<file>] [SECTION=<name>]
	@$(PYTHON) -m tools.grade grade $(if $(NOTEBOOK),--notebook "$(NOTEBOOK)") $(if $(SECTION),--section "$(SECTION)")

grades: ## Write grades/grades.csv from the gradebook (student, section, notebook, points, ...)
	@$(PYTHON) -m tools.grade grades

images: engine ## Build the course images (cached; CA_BUNDLE=path for builds behind TLS interception)
	@$(PYTHON) -m tools.build $(IMAGES)

loadtest: $(VENV)/.installed images hub-image ## N students at once through the login form: make loadtest N=30 [ENV=pytorch]
	@$(VENV)/bin/python -m tests.loadtest $(or $(N),30) $(or $(ENV),foundations)

k8s-values: $(VENV)/.installed ## Values for Zero to JupyterHub from hub/classroom.toml: deploy/kubernetes/values.yaml
	@$(VENV)/bin/python -m tools.k8s_values

k8s-lint: k8s-values ## helm template the chart with those values (needs helm and Z2JH_CHART=<unpacked chart>)
	@command -v helm >/dev/null || { echo "helm is not installed: install it (https://helm.sh) to render the chart; the schema check runs in make test"; exit 0; }; \
	 test -f "$(Z2JH_CHART)/Chart.yaml" || { echo "error: set Z2JH_CHART to an unpacked chart (helm pull jupyterhub/jupyterhub --untar)" >&2; exit 1; }; \
	 helm template dlcourse "$(Z2JH_CHART)" --values deploy/kubernetes/values.yaml >/dev/null && echo "==> helm template: OK"

push: images ## Tag and push the course images to kubernetes.registry (for the cluster)
	@$(PYTHON) -m tools.build --push

hub-image: engine ## Build the classroom hub image (hub/)
	@$(PYTHON) -m tools.build --hub

smoke: images ## Run every notebook in every image it belongs to (report: build/smoke/report.md)
	@$(PYTHON) -m tools.smoke $(IMAGES)

# The host's test and lint environment: the hub's locked stack (hash-checked), then
# the dependency groups of pyproject.toml
# (pip learned `--group` in 25.1, so the venv's pip is brought to a pinned one first).
$(VENV)/.installed: pyproject.toml hub/requirements.lock
	@echo "==> Creating the test environment $(VENV)"
	@$(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed: install python3-venv (Debian/Ubuntu) and retry" >&2; exit 1; }
	@PIP_CERT=$${PIP_CERT:-$(CA_BUNDLE)} $(VENV)/bin/pip install -q --disable-pip-version-check pip==26.3
	@PIP_CERT=$${PIP_CERT:-$(CA_BUNDLE)} $(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -r hub/requirements.lock
	@PIP_CERT=$${PIP_CERT:-$(CA_BUNDLE)} $(VENV)/bin/pip install -q --disable-pip-version-check --group test --group lint
	@touch $@

SHELL_SCRIPTS := .ci/run images/pip-install-locked $(wildcard tools/*.sh) \
	images/course/start/course-merge images/course/start/course-restore images/course/start/start-singleuser
DOCKERFILES := $(wildcard images/*/Dockerfile) hub/Dockerfile
WORKFLOWS := $(wildcard .github/workflows/*.yml)

lint: $(VENV)/.installed ## Lint and format-check Python (ruff), shell scripts (shellcheck), Dockerfiles (hadolint), CI workflows (actionlint, zizmor)
	@echo "==> Lint: ruff, shellcheck, hadolint, actionlint, zizmor"
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/shellcheck $(SHELL_SCRIPTS)
	@$(VENV)/bin/hadolint --no-color $(DOCKERFILES)
	@$(VENV)/bin/actionlint -no-color -shellcheck $(VENV)/bin/shellcheck -pyflakes= $(WORKFLOWS)
	@$(VENV)/bin/zizmor --offline --no-progress --color never --quiet .github/workflows

format: $(VENV)/.installed ## Format the Python code and apply ruff's safe fixes
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

test: ## Run all the tests: lint, fast tests, then the images (smoke runs) and the classroom end to end
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-fast
	@$(MAKE) --no-print-directory images hub-image
	@$(MAKE) --no-print-directory test-images

test-fast: $(VENV)/.installed ## Only the tests that need no Docker
	@echo "==> Fast tests (no Docker)"
	@$(VENV)/bin/pytest -q -rs -m "not docker"

test-images: $(VENV)/.installed engine ## Only the tests on built images: smoke runs, then the classroom
	@tools/ensure_browser.sh
	@echo "==> Image and classroom tests (papermill in every image; two real hubs in turn, ports 18000 and 18300), on two workers"
	@$(VENV)/bin/pytest -q -rA -m docker -n 2 --durations=15

lock: $(VENV)/.installed ## Regenerate every image's lock (with hashes) from its requirements.in
	@$(VENV)/bin/python -m tools.lock

student: $(VENV)/.installed ## Regenerate the student versions (notebooks/student/) from the sources with nbgrader
	@$(VENV)/bin/python -m tools.student

exercises: $(VENV)/.installed images ## Prove every exercise check: reference passes, stub and wrong answers fail (build/exercises/report.md)
	@$(VENV)/bin/python -m tools.exercises

readme: ## Regenerate the README's course and image tables from the manifest
	@$(PYTHON) -m tools.readme

clean: ## Remove build reports and the test environment (images and student data are kept)
	rm -rf build $(VENV) .pytest_cache
