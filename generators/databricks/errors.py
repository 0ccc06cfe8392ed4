"""Databricks API and network failures as readable text.

The SDK appends its configuration (``Config: host=..., token=***``) to 401/403 messages; it is
noise to a user and is cut off here. Tokens are never part of the text.
"""

from __future__ import annotations

import requests
from databricks.sdk.errors import DatabricksError

# Everything a Databricks call can raise for a remote failure (the SDK gives up retrying with
# TimeoutError).
API_FAILURES = (DatabricksError, requests.RequestException, TimeoutError)

_CONFIG_SUFFIX = ". Config: "


def api_error_text(exc: BaseException) -> str:
    """The server's message for an API error, or the network failure, without SDK debug info."""
    text = str(exc)
    cut = text.find(_CONFIG_SUFFIX)
    return text[:cut] if cut >= 0 else text
