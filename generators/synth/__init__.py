"""Counter-based randomness and the draws built on it, as Spark Column expressions.

Owns every random value's recipe: ``rng`` (a value is a pure function of ``(seed, stream, key)``),
``ids`` (key arithmetic: child ids from parent ids), ``sampling`` (alias tables, constant arrays),
``exact`` (order-independent sums), ``seasonality`` (timestamps inside the window) and
``delivery`` (a campaign's exposures of one person). Nothing here reads or writes a table.

May import: ``generators.spec`` and pyspark.
"""
