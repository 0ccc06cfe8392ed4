"""Databricks integration: the signed-in user's identity, Unity Catalog write checks, and
generation as Databricks Connect or Jobs runs.

May import: ``generators.run`` and everything below it.
"""
