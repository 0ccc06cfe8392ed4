"""Evaluation of the agent on plain-English briefs: ``python -m agent.eval.run_eval``."""
