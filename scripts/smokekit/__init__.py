"""The parts of the production smoke test (scripts/smoke.py, `make smoke`)."""
