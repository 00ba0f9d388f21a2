# Two entry points, both self-installing: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_DEMO := $(VENV)/.installed-demo
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test notebooks bench clean

$(BIN)/python:
	$(PYTHON) tools/bootstrap_venv.py $(VENV)

$(STAMP_DEMO): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[demo]'
	touch $@

$(STAMP_TEST): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Containers and fresh cloud machines often run as root, which Jupyter refuses by default.
demo: $(STAMP_DEMO)
	cd notebooks && ../$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 \
		$(if $(filter 0,$(shell id -u)),--allow-root,) quickstart.ipynb

test: $(STAMP_TEST)
	$(BIN)/ruff check realtime_nb tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python -m pytest --doctest-modules realtime_nb tests \
		$(if $(wildcard notebooks/*.ipynb),--nbval notebooks,)

# Re-execute the notebooks in place, so that nbval compares against fresh outputs.
notebooks: $(STAMP_TEST)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb

bench: $(STAMP_TEST)
	$(BIN)/python benchmarks/codec.py
	$(BIN)/python benchmarks/mock_load.py
	$(BIN)/python benchmarks/roundtrip.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
