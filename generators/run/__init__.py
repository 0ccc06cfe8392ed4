"""A generation run: the table graph in order, staged and committed as one, with its events.

Owns ``service.run_generation`` (the one entry point of the CLI, the agent and the app),
``pipeline`` (build, stage, commit), ``append`` (growing a run), ``events`` (typed progress),
``spark_progress`` (Spark's task counts as fractions), ``estimate`` (expected time) and
``outcome`` (a run's result as stdout lines for a supervisor).

May import: ``generators.spec``, ``synth``, ``spark``, ``tables``, ``storage``, ``validation``.
"""
