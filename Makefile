# The README's two commands are `make demo` and `make test`; each installs what it needs.
.PHONY: demo test lint typecheck unit docs bench clean

VENV := .venv/bin

demo:
	@scripts/bootstrap dev
	$(VENV)/readiness serve --config config/demo.yaml

test: lint typecheck
	@scripts/system-deps
	$(VENV)/python -m pytest -n 2 -q

lint:
	@scripts/bootstrap dev
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/lint-imports

typecheck:
	@scripts/bootstrap dev
	$(VENV)/mypy

docs:
	@scripts/bootstrap dev
	$(VENV)/readiness catalog --format markdown > docs/checklist.md
	$(VENV)/readiness config schema > docs/config.schema.json
	$(VENV)/readiness config schema --format markdown > docs/configuration.md

bench:
	@scripts/bootstrap dev
	$(VENV)/python bench/scrape_latency.py

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache .hypothesis
