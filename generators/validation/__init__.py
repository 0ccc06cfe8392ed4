"""The validation report: hard checks (keys, domains, time and attribution rules) and
statistical checks (targets of the spec), its plots and its writing; ``runner`` runs it.

May import: ``generators.spec``, ``synth``, ``spark``, ``tables``, ``storage``.
"""
