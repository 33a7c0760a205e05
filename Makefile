# Build plumbing for the backprop course.
#
# Everything runs inside a project-local virtualenv (.venv) that is created
# and filled on demand from pyproject.toml + constraints.txt by course.py, the
# one cross-platform setup entry point (Windows and conda users run it without
# make: see the README). `make help` lists the targets. Needs python3 3.11.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# course.py writes $(VENV)/.installed (extras + a hash of pyproject.toml and
# constraints.txt) and reinstalls whenever they change. `lock` resolves EXTRAS.
EXTRAS := course,torch,dev,hub,mutation

NOTEBOOK_DIR := notebooks
BROWSER_TEST_DIR := tests/browser
# Extra arguments for `make lab`, e.g. LAB_ARGS="--no-browser --port=8899".
LAB_ARGS ?=
# Extra arguments for the pytest runs, e.g. PYTEST_ARGS="-x -k autograd".
PYTEST_ARGS ?=

# Notebooks (checkpoints excluded) and browser test files, found at parse time.
NOTEBOOKS := $(shell find $(NOTEBOOK_DIR) -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' 2>/dev/null)
BROWSER_TESTS := $(shell find $(BROWSER_TEST_DIR) \( -name 'test_*.py' -o -name '*_test.py' \) 2>/dev/null)

.PHONY: help env lab test test-unit test-notebooks test-browser lint format format-check \
	notebooks bench lock clean html slides hub classroom-bench student

help: ## Show this list
	@echo "Targets (run from the repository root):"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "}; {printf "  make %-15s %s\n", $$1, $$2}'
	@echo "Variables: LAB_ARGS (extra jupyter lab args), PYTEST_ARGS (extra pytest args)."

# ---------------------------------------------------------------- environment

env: ## Create/refresh .venv with the pinned course + torch + dev packages
	@$(PYTHON) course.py env --dev

# ---------------------------------------------------------------- running

# course.py starts JupyterLab with its own safe defaults (localhost only, token
# required; tests/test_lab_security.py checks them) after installing the learner's
# packages only (no test tools). Windows and conda users run the same file directly.
lab: ## Start JupyterLab on notebooks/ (localhost only, token required)
	@$(PYTHON) course.py lab $(LAB_ARGS)

notebooks: env ## Re-execute every notebook in place (refreshes stored outputs)
ifeq ($(strip $(NOTEBOOKS)),)
	@echo "notebooks: no notebooks in $(NOTEBOOK_DIR)/ yet; nothing to execute"
else
	$(PY) -m nbconvert --to notebook --execute --inplace \
		--NotebookClient.record_timing=False $(NOTEBOOKS)
endif

# Static exports of the committed notebooks (nothing is re-executed; run `make notebooks`
# first to refresh the outputs). Pages load nothing from the network: reveal.js and MathJax
# are copied next to them from two pinned PyPI wheels, fetched once into build/cache/
# (tools/export.py says which and why).
html: env ## Export every notebook to static HTML in build/html/ (open build/html/index.html)
	$(PY) tools/export.py html --out build/html

slides: env ## Build a reveal.js slide deck of every notebook in build/slides/ (offline)
	$(PY) tools/export.py slides --out build/slides

bench: env ## Run the benchmarks (python -m benchmarks), if benchmarks/ exists
	@if [ -d benchmarks ]; then $(PY) -m benchmarks; \
	else echo "bench: no benchmarks/ yet; nothing to run"; fi

# JupyterHub for a class (deploy/jupyterhub_config.py; README, "Teaching a class on a
# JupyterHub"). configurable-http-proxy comes from npm into deploy/node_modules (npm ci).
hub: ## Run the classroom JupyterHub on 127.0.0.1:8000 (dummy login, local servers)
	@$(PYTHON) course.py hub

# N simulated students on the hub move notebook 02's slider at once (minutes; heavy).
# Writes benchmarks/classroom.json, which `make bench` reports as figure 9.
CLASSROOM_STUDENTS ?= 30 60
classroom-bench: env ## Classroom load test: 30 then 60 students on the hub (minutes)
	@$(PYTHON) course.py hub-proxy
	nice $(PY) -m benchmarks.classroom --students $(CLASSROOM_STUDENTS)

# The notebooks without the cells tagged `solution` (README, "Handing out the student
# edition"); the instructor's edition with the solutions is notebooks/ itself.
student: env ## Write the student edition (no solutions): build/student/, build/student-course/
	$(PY) tools/student_edition.py --src $(NOTEBOOK_DIR) --out build/student \
		--course build/student-course

# ---------------------------------------------------------------- testing

test: test-unit test-notebooks test-browser ## Run everything: unit, notebooks, browser

# tests/ minus the browser tests (they run once, in test-browser).
test-unit: ## Unit + property tests in tests/ (includes slow ones)
	@$(PYTHON) course.py test unit $(PYTEST_ARGS)

# nbval executes each notebook in this venv's kernel; --nbval-lax checks that
# every cell runs but compares outputs only for cells marked `# NBVAL_CHECK_OUTPUT`.
# With no notebooks at all there is nothing to run (pytest would exit 5).
test-notebooks: ## Execute the notebooks with nbval
	@$(PYTHON) course.py test notebooks $(PYTEST_ARGS)

test-browser: ## Browser tests in tests/browser (headless /usr/bin/chromium)
	@$(PYTHON) course.py test browser $(PYTEST_ARGS)

# ---------------------------------------------------------------- code quality

lint: env ## ruff check
	$(PY) -m ruff check .

format-check: env ## ruff format --check (report only)
	$(PY) -m ruff format --check .

format: env ## Apply ruff's formatter and safe fixes
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# ---------------------------------------------------------------- housekeeping

# Resolves pyproject's extras from scratch (newest versions pip finds today)
# in a throwaway venv and freezes the result. `--all` keeps pip and setuptools
# (torch needs setuptools at run time). pip reports the local CPU wheel as
# torch==2.13.0+cpu; the `+cpu` label is dropped so the pin reads as in
# pyproject.toml (see the header written below).
lock: ## Re-resolve all dependencies and rewrite constraints.txt
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --upgrade pip setuptools; \
	"$$tmp/venv/bin/python" -m pip install --quiet -e '.[$(EXTRAS)]'; \
	"$$tmp/venv/bin/python" -m pip check; \
	{ \
	  echo "# Exact versions of every package in the course environment, transitive"; \
	  echo "# dependencies included: pyproject.toml's [$(EXTRAS)] extras resolved on"; \
	  echo "# $$("$$tmp/venv/bin/python" -c 'import platform as p; print(f"Python {p.python_version()}, {p.system()} {p.machine()}")'), $$(date -u +%Y-%m-%d)."; \
	  echo "#"; \
	  echo "# Generated by \`make lock\` (fresh temporary venv, newest versions pip"; \
	  echo "# resolves, then \`pip freeze --all --exclude-editable\`). Do not edit by hand:"; \
	  echo "# change pyproject.toml and run \`make lock\`, then bring environment.yml to"; \
	  echo "# the same versions (tests/test_environment.py checks that they agree)."; \
	  echo "#"; \
	  echo "# torch: pip freeze reports torch==2.13.0+cpu, the CPU-only wheel that pip"; \
	  echo "# takes from its find-links directory (/opt/wheels on the course machines)."; \
	  echo "# The pin is written without the local label \"+cpu\": \"==2.13.0\" matches any"; \
	  echo "# local build of 2.13.0, and pip prefers the +cpu wheel where it can see it"; \
	  echo "# (a local version sorts above the plain one). Without that wheel, pip"; \
	  echo "# would take PyPI's CUDA build of several GB; elsewhere, point pip at"; \
	  echo "# PyTorch's CPU wheel index (--extra-index-url) to get the CPU build."; \
	  echo "#"; \
	  echo "# Platform-specific packages of other systems (macOS, Windows) are not"; \
	  echo "# listed; pip leaves such packages unpinned there."; \
	  echo; \
	  "$$tmp/venv/bin/python" -m pip freeze --all --exclude-editable \
	    | sed -E 's/^(torch==[^+]+)\+.*$$/\1/'; \
	} > constraints.txt.new; \
	mv constraints.txt.new constraints.txt; \
	echo "constraints.txt rewritten; now update environment.yml to match and run make test"

# build/hub/ stays: the class hub's database, secrets and the students' home folders.
clean: ## Remove .venv, caches, build artifacts and artifacts/ (not build/hub/)
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis artifacts dist *.egg-info \
		constraints.txt.new
	if [ -d build ]; then find build -mindepth 1 -maxdepth 1 ! -name hub -exec rm -rf {} +; fi
	rm -f benchmarks/*.tmp
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

# Mutation testing of the numeric core (cosmic-ray; not part of `make test`): one mutant per
# operator site, every site (about 1,000 mutants, 18 minutes on 2 busy cores). Writes
# mutation/results.md and results.json. MUTATION_JOBS=2 workers; niced. MODULES_TO_MUTATE=checks
# runs one module; `python -m mutation.run --survivors` retests the last run's survivors.
.PHONY: mutation
mutation: env ## Mutation testing of layers, params, network, gradcheck, steps, checks (on demand)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[mutation]'
	nice -n 19 $(PY) -m mutation.run $(MODULES_TO_MUTATE)
