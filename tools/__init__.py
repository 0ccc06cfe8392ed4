"""The wizard's LangChain tools: one per step (its Pydantic section as arguments), plus review,
estimate, export, load, go back and generate, over one ``WizardState``.

May import: ``generators`` (never ``agent`` or ``ui``).
"""
