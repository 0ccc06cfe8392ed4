"""Benchmarks of idgraph at scale (issue #11): ``python -m bench.run``, results in bench/."""
