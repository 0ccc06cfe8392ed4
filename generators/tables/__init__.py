"""One module per generated table, named exactly after it, plus the registry.

``households.py`` ... ``campaign_ground_truth.py`` each provide ``build(ctx)``, ``COLUMNS`` (column
-> description) and ``expected_rows(spec)``; ``registry.py`` lists them in dependency order,
``node.py`` defines what a builder sees, ``expected.py`` sums the expected rows. Two modules are
shared by several tables: ``viewers.py`` (latent viewing traits of people) and ``reference.py``
(the fixed reference population behind population-wide constants).

May import: ``generators.spec``, ``generators.synth``, ``generators.spark`` and pyspark.
"""
