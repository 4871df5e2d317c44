# The README's two commands: `make book` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: book test paper-check nbval-refresh benchmarks clean-book

$(PY):
	$(PYTHON) -m venv $(VENV)

# Install the package editable with its test extra when pyproject.toml (the one list of
# dependencies) changed; `import support` then works in the venv's python and in its Jupyter
# kernels (papermill, nbval) from any working directory.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test]'
	touch $(STAMP)

book: $(STAMP)
	$(PY) -m support.book run --profile cpu
	$(PY) -m support.book build
	$(PY) -m support.book.offline _build/html
	$(PY) -m support.book.widths book

# REGIME=generic (what CI uses) runs the tests as a CPU without AVX would round; see support/book/rounding.py.
REGIME ?= native
test: $(STAMP)
	$(PY) -m support.book.rounding exec $(REGIME) -- $(PY) -m pytest tests -q --nbval-lax --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout 900 -p no:cacheprovider

# The paper profile end to end on a CPU: counts and epochs shrunk, every size kept
# (params/checks/paper-check.yaml); data into data/paper-check.
paper-check: $(STAMP)
	$(PY) -m support.book.paper_check

# Regenerate the nbval reference notebooks and the results reference (tests/smoke_results.json):
# the smoke book under each other rounding regime (support/book/rounding.py) into data/rounding/, then
# natively (its notebooks become the nbval references, its results the reference values, and the
# regimes' spread each value's tolerance). About 4 smoke runs: 10-15 minutes on 2 cores.
ROUNDING_REGIMES := generic avx2 one_thread
nbval-refresh: $(STAMP)
	rm -rf data/smoke data/rounding
	for regime in $(ROUNDING_REGIMES); do \
		$(PY) -m support.book.rounding exec $$regime -- $(PY) -m support.book run --profile smoke \
			-p data_dir data/rounding/$$regime || exit 1; \
		mkdir -p data/rounding/$$regime/book && cp book/*.ipynb data/rounding/$$regime/book/; \
	done
	$(PY) -m support.book run --profile smoke
	$(PY) -m support.book refs

benchmarks: $(STAMP)
	$(PY) benchmarks/samplers.py

clean-book:
	rm -rf _build book/*.ipynb
