"""Deterministic generation of the identity graph: it knows nothing of chat or language models.

Words become a spec (``spec``), the spec becomes Spark DataFrames (``synth`` draws, ``tables``
builds), a run stages and commits them as Delta tables (``run``, ``storage``, ``spark``) and
checks them (``validation``); ``cli`` and ``databricks`` drive runs. Imports go one way:
spec <- synth, spark <- tables, storage <- validation <- run <- cli, databricks
(``tests/unit/test_layout.py`` enforces it).
"""
