"""The chat's brain: the LangChain agent (model choice, prompts), the guided mode without a
model, the chat session both share, MLflow tracking and the plain-English evaluation.

May import: ``tools`` and ``generators`` (never ``ui``).
"""
