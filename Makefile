# Two entry points, both self-contained on a fresh machine with python3:
#   make brief   -> .venv + install + build the sample brief into dist/
#   make test    -> same .venv, whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := briefs/japan-russia-2018

.PHONY: brief test venv bench clean

$(BIN)/brief: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/brief

venv: $(BIN)/brief

brief: venv
	$(BIN)/brief build $(SAMPLE) --out dist

test: venv
	$(BIN)/python -m pytest -q

bench: venv
	$(BIN)/python bench/build_time.py

clean:
	rm -rf dist .cache
