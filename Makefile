# Shortcuts for the two README commands (they need only bash: see scripts/run.sh).
.PHONY: audit test bench lint
audit:
	bash scripts/run.sh audit
test:
	bash scripts/run.sh test
bench:
	bash scripts/setup.sh && .venv/bin/python -m pytest tests -m benchmark --benchmark-only -p no:cacheprovider
lint:
	bash scripts/setup.sh && .venv/bin/ruff check harness tests conftest.py
