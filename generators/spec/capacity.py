"""Key-space limits a spec must respect.

Keys are arithmetic on their parent's key (``generators.synth.ids``), each level reserving a fixed
number of slots below its parent; these slots bound what a spec may ask for: members per
household, personal devices per person, campaigns, and how far a window may be extended before a
browser runs out of cookie slots (cookie lifetimes are fixed by the first window:
``generators.tables.identity_mappings``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from generators.spec.window import first_window

if TYPE_CHECKING:
    from generators.spec.model import GenerationSpec

MEMBER_SLOTS = 16
MAPPING_SLOTS = 256
NOISE_MAPPING_OFFSET = 2**61  # mapping ids of rows only a noisy identity graph has
NOISE_MAPPING_SLOTS = 2**16
EVENT_SLOTS = 2**20
EVENT_SEGMENT_SLOTS = 2**55
CAMPAIGN_SLOTS = 1024
EXPOSURE_SLOTS = 2**14
RESPONSE_SLOTS = 8

MAX_HOUSEHOLDS = 1_000_000_000
MAX_HOUSEHOLD_SIZE = MEMBER_SLOTS - 1
MAX_DEVICES_PER_PERSON = 32  # identity mapping slots 8..39 of each individual

DEVICE_SLOT0 = 8
COOKIE_SLOT0 = DEVICE_SLOT0 + MAX_DEVICES_PER_PERSON
BROWSERS = ("desktop", "mobile", "tablet")
COOKIES_PER_BROWSER = (MAPPING_SLOTS - COOKIE_SLOT0) // len(BROWSERS)
COOKIE_LIFETIME_SPREAD = 0.5  # a cookie lives its mean lifetime ±50%


def min_cookie_lifetime(first_window_seconds: int) -> int:
    """Shortest cookie lifetime (seconds) for which COOKIES_PER_BROWSER slots cover the first
    window."""
    return math.ceil(first_window_seconds / (COOKIES_PER_BROWSER - 1))


def longest_window_seconds(spec: GenerationSpec) -> int:
    """The longest window (seconds) every browser's cookies fit in: 71 shortest lifetimes."""
    days = spec.demographics.identity.cookie_lifetime_days
    shortest = max(
        math.floor((1.0 - COOKIE_LIFETIME_SPREAD) * days * 86_400 + 0.5),
        min_cookie_lifetime(first_window(spec).days * 86_400),
    )
    return (COOKIES_PER_BROWSER - 1) * shortest
