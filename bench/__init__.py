"""Benchmarks of idgraph at scale: ``python -m bench.run``, results in bench/."""
