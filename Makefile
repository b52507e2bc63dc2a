# bbjcoder developer commands. `make test` installs what the tests need, from scratch.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test bench demo clean

install: $(STAMP)

# torch first, pinned: the CPU build lies on disk; an unpinned torch pulls a multi-GB CUDA build.
# The llama extra (llama-cpp-python) compiles llama.cpp once (about 6 minutes on 2 cores; pip
# caches the wheel): GGUF evaluation, the llama.cpp round-trip tests and Q4_K_M quantization use it.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(BIN)/pip install -q -e ".[dev,llama]"
	touch $(STAMP)

test: install
	$(BIN)/python -m pytest -q

# The whole pipeline with the tiny CPU preset: data -> train -> evaluate -> export (about 15 minutes).
demo: install
	$(BIN)/bbjcoder pipeline configs/tiny.yaml

bench: install
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build runs .pytest_cache
