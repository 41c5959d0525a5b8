# Samtrygg: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# Django 6 needs Python 3.12+: look on PATH first, then in pyenv.
PYTHON ?= $(shell for v in 3.12 3.13 3.14; do \
	  p=$$(command -v python$$v 2>/dev/null); \
	  if [ -z "$$p" ] && command -v pyenv >/dev/null 2>&1; then \
	    for d in $$(pyenv root)/versions/$$v*; do [ -x "$$d/bin/python" ] && p="$$d/bin/python"; done; \
	  fi; \
	  if [ -n "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo "$$p"; break; fi; \
	done)

.PHONY: demo test lint vendor messages clean check-python

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "Samtrygg needs Python 3.12 or newer (python3.12 on PATH or through pyenv). Install it and try again." >&2; \
	  exit 1; fi

$(VENV)/.installed: pyproject.toml | check-python
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/samtrygg demo

test: $(VENV)/.installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

# Re-vendor the front-end libraries from package-lock.json into static/vendor/ (needs npm; users do not).
vendor:
	npm ci --ignore-scripts
	bash scripts/vendor.sh

# Update and compile the Swedish translation.
messages: $(VENV)/.installed
	cd src/samtrygg && ../../$(VENV)/bin/samtrygg makemessages -l sv --no-obsolete --ignore 'static/*' && ../../$(VENV)/bin/samtrygg compilemessages -l sv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
