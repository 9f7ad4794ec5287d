"""The parts of the load benchmark (bench/load.py, `make bench-load`)."""
