"""The parts of the analytics benchmark (bench/analytics.py, `make bench-analytics`)."""
