# The two commands a newcomer needs (see README): `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: help run test lint bench clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed  ## install, then open the app on the standalone database
	$(VENV)/bin/inventory-desktop

test: $(VENV)/.installed  ## install, then run every test (starts its own PostgreSQL)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

lint: $(VENV)/.installed  ## ruff, mypy on domain/ and repository/, the Qt wall
	$(VENV)/bin/ruff check inventory_desktop tests benchmarks
	$(VENV)/bin/lint-imports

bench: $(VENV)/.installed  ## order placement vs PostgreSQL's own limit (~2 min)
	$(PY) benchmarks/order_placement.py

clean:
	rm -rf $(VENV) build dist *.egg-info
