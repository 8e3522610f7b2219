# shieldlab developer workflow. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock

.PHONY: demo web test check lint typecheck bench bench-tracking fuzz sbom audit lock clean

# every dependency (and the build backend) pinned with its hashes in requirements.lock;
# shieldlab itself is installed from this checkout without touching the network again
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r $(LOCK)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# regenerate the lock after changing pyproject.toml's dependencies (needs the package index)
lock: $(STAMP)
	$(PY) -m pip install -q pip-tools
	$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --all-build-deps \
	  --extra dev --extra audit --strip-extras --no-emit-index-url --no-emit-find-links \
	  -o $(LOCK) pyproject.toml

demo: $(STAMP)
	$(VENV)/bin/shieldlab demo

# the viewer's offline front end (CesiumJS and its Natural Earth II imagery), pinned in
# web/package-lock.json and installed from the npm registry by its integrity hashes
WEB := web/node_modules/.installed
$(WEB): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $(WEB)

web: $(WEB)

# pytest exits 5 when it collected no test: that is a failure here. The test files are
# spread over the machine's cores (pytest-xdist; each file's tests stay in one worker,
# so a module's fixtures are built once); TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto
test: $(STAMP) $(WEB)
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy

check: lint typecheck test

bench: $(STAMP)
	$(PY) benchmarks/core_bench.py
	$(PY) benchmarks/engine_bench.py
	$(PY) benchmarks/threats_vs_solve_ivp.py

# shieldlab's GNN-EKF tracker against Stone Soup on the same detections (~6 min)
bench-tracking: $(STAMP)
	$(PY) -m pip install -q -e ".[dev,bench]"
	$(PY) benchmarks/tracking_vs_stonesoup.py

# opt-in: over 10,000 generated inputs (3 x 3,200 + fly 500 + run 200; about an hour)
fuzz: $(STAMP)
	SHIELDLAB_FUZZ_EXAMPLES=3200 $(PY) -m pytest -m fuzz

# CycloneDX SBOM of the installed environment (out/sbom.cdx.json)
sbom: $(STAMP)
	mkdir -p out
	$(VENV)/bin/cyclonedx-py environment --pyproject pyproject.toml --output-reproducible \
	  --of JSON -o out/sbom.cdx.json $(PY)
	@echo "SBOM: out/sbom.cdx.json"

# opt-in: known vulnerabilities of the locked dependencies (queries the PyPI advisory API)
audit: $(STAMP)
	$(VENV)/bin/pip-audit --strict --require-hashes --disable-pip -r $(LOCK)

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
