# kpilib: run `make help` for the list of targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
MONTH  ?= 2026-10
DATA   ?= data/sample
OUT    ?= outputs
JOBS   ?= 2

.DEFAULT_GOAL := help
.PHONY: help report test lint format hooks lab design sample bench clean

## Show this list of targets
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z][a-z-]*:/{if (doc) printf "  make %-8s %s\n", substr($$1,1,length($$1)-1), doc; doc=""}' $(MAKEFILE_LIST)

# The environment is rebuilt whenever pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The library's bytecode, written (again for changed modules) before a run: where
# PYTHONDONTWRITEBYTECODE is set, as in many containers and CI images, every process
# of a run or a test (the command, its fork server, each report kernel) would compile
# kpilib's 80 modules from source, 0.26 s each time. pip compiles the other packages.
COMPILE := $(BIN)/python -m compileall -q kpilib

$(DATA)/$(MONTH): | $(BIN)/.installed
	$(BIN)/kpi sample-data --out $(DATA)

## Set up, generate the sample data if absent, and run the month's job (MONTH=2026-10)
report: $(BIN)/.installed $(DATA)/$(MONTH)
	$(COMPILE)
	$(BIN)/kpi run --month $(MONTH) --data $(DATA) --out $(OUT) --jobs $(JOBS)

## Set up with test extras and run the whole test suite (lint included)
test: $(BIN)/.installed
	$(COMPILE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup

## Check the code with ruff
lint: $(BIN)/.installed
	$(BIN)/ruff check .

## Format the code with ruff
format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Install the git hooks (ruff, nbstripout) of .pre-commit-config.yaml
hooks: $(BIN)/.installed
	$(BIN)/pre-commit install

## Run the scheme-design notebook on MONTH's data; proposed scheme to OUT/scheme-proposed.yaml
design: $(BIN)/.installed $(DATA)/$(MONTH)
	$(BIN)/papermill notebooks/scheme_design.ipynb $(OUT)/scheme_design.ipynb --cwd notebooks \
		-p month $(MONTH) -p data_dir $(DATA) -p results_dir $(OUT)/$(MONTH)/data \
		-p output_path $(OUT)/scheme-proposed.yaml

## Open JupyterLab on the notebooks
lab: $(BIN)/.installed $(DATA)/$(MONTH)
	$(BIN)/jupyter lab notebooks/

## Regenerate the bundled sample data (24 months ending 2026-10)
sample: $(BIN)/.installed
	$(BIN)/kpi sample-data --out $(DATA)

## Run the benchmarks under bench/ and print their figures
bench: $(BIN)/.installed
	$(COMPILE)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

## Remove the environment, generated data and rendered outputs
clean:
	rm -rf $(VENV) data $(OUT)/2* .pytest_cache .ruff_cache
