"""The Spark session: local classic, Spark Connect or Databricks Connect, and its Java runtime.

Owns ``session.get_spark`` (one configured session per process), ``java`` (a Java 17+, from
PyPI when none is installed) and the log4j configuration.

May import: pyspark and the standard library only.
"""
