"""Databricks integration: user identity, Unity Catalog write checks, generation as Jobs runs."""
