"""The parts of bench/generate.py: the client's cells (cells.py) and what it measures apart (probes.py)."""
