"""Evaluation of the agent on plain-English briefs (FR-016): ``python -m agent.eval.run_eval``."""
