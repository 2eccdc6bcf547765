# Two commands on a fresh Debian machine: `make demo` and `make test`.
# Each installs what it needs (Debian packages, then .venv) and runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make

.PHONY: demo test install lint bench clean

demo: install
	$(BIN)/deskhand demo

test: install lint
	$(BIN)/python -m pytest

install: $(STAMP)/venv

$(STAMP)/system: scripts/install-system.sh
	@mkdir -p $(STAMP)
	bash scripts/install-system.sh
	@touch $@

$(STAMP)/venv: pyproject.toml $(STAMP)/system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/desktop.py
	$(BIN)/python bench/record.py
	$(BIN)/python bench/replay.py
	$(BIN)/deskhand bench speed --sizes 1920x1080,5120x2880
	$(BIN)/deskhand bench robustness --scenario credit --rows 5
	$(BIN)/deskhand bench gaps
	$(BIN)/deskhand bench fleet
	$(BIN)/python bench/demo_recordings.py
	$(BIN)/python bench/miniwob_look.py
	$(BIN)/python bench/miniwob_act.py
	$(BIN)/deskhand bench miniwob
	$(BIN)/deskhand bench miniwob --timer --episodes 10 --out bench/results/miniwob-timer.json

clean:
	rm -rf $(VENV) $(STAMP) demo-out
