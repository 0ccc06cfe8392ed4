"""Plain English to spec edits with no language model (see ``interpret``).

Deterministic code below the CLI, the tools and the agent: it imports only the spec modules and
libraries, never Spark, and knows nothing of chat.
"""

from generators.brief.interpret import Edit, Interpretation, interpret

__all__ = ["Edit", "Interpretation", "interpret"]
