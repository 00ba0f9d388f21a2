# Two entry points, both self-installing: `make demo` and `make test`.
# Both install exactly what uv.lock pins, with the uv that tools/bootstrap_uv.py pins;
# `make lock` re-resolves the lock to the newest releases, deliberately.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV_BIN := .tools/uv
UV     ?= $(UV_BIN)
STAMP_DEMO := $(VENV)/.installed-demo
STAMP_TEST := $(VENV)/.installed-test

# uv takes the interpreter named by PYTHON and never downloads one of its own.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# --locked: refuse to install when pyproject.toml and uv.lock disagree, rather than re-resolve.
SYNC = $(UV) sync --locked --quiet --python $(PYTHON)

.PHONY: demo test lock notebooks bench clean

$(UV_BIN): tools/bootstrap_uv.py
	$(PYTHON) tools/bootstrap_uv.py $@

# Each sync makes the venv exactly one extra's, so it unmarks the other.
$(STAMP_DEMO): $(filter $(UV_BIN),$(UV)) pyproject.toml uv.lock
	$(SYNC) --extra demo
	rm -f $(STAMP_TEST)
	touch $@

$(STAMP_TEST): $(filter $(UV_BIN),$(UV)) pyproject.toml uv.lock
	$(SYNC) --extra test
	rm -f $(STAMP_DEMO)
	touch $@

# Containers and fresh cloud machines often run as root, which Jupyter refuses by default.
demo: $(STAMP_DEMO)
	cd notebooks && ../$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 \
		$(if $(filter 0,$(shell id -u)),--allow-root,) quickstart.ipynb

# The real-browser test drives Debian's chromium; it is installed with apt when missing
# (never a browser downloaded from elsewhere).
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

$(CHROMIUM):
	@echo "make: installing Debian's chromium for the real-browser test (apt-get install chromium)"
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
		($(SUDO) apt-get update -q >/dev/null && \
		 $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null)

test: $(STAMP_TEST) $(CHROMIUM)
	$(BIN)/ruff check realtime_nb tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python -m pytest --doctest-modules realtime_nb tests \
		$(if $(wildcard notebooks/*.ipynb),--nbval notebooks,)

lock: $(filter $(UV_BIN),$(UV))
	$(PYTHON) tools/lock.py $(UV)

# Re-execute the notebooks in place, so that nbval compares against fresh outputs.
notebooks: $(STAMP_TEST)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb

bench: $(STAMP_TEST)
	$(BIN)/python benchmarks/codec.py
	$(BIN)/python benchmarks/mock_load.py
	$(BIN)/python benchmarks/roundtrip.py
	$(BIN)/python benchmarks/conversation.py
	$(BIN)/python benchmarks/audio.py
	$(BIN)/python benchmarks/panel.py

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
