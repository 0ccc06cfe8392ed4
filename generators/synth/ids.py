"""Key arithmetic shared by every table: child ids are computed from their parent id.

Keys never collide because each level reserves a fixed number of slots below its parent, and
integrity holds by construction. All values stay below 2**63 for up to 10**9 households.

| key | formula | slots |
|---|---|---|
| household_id | 0 .. households.count - 1 (an append adds old count .. new count - 1) | |
| individual_id | household_id * 16 + member (member < 16) | MEMBER_SLOTS |
| mapping_id | individual_id * 256 + slot (slot < 256) | MAPPING_SLOTS |
| noise mapping_id | 2**61 + individual_id * 2**16 + slot (rows only a noisy graph has, ``generators.tables.identity_noise``) | NOISE_MAPPING_OFFSET, NOISE_MAPPING_SLOTS |
| event_id | segment * 2**55 + individual_id * 2**20 + k (k < 2**20; segment of the window, ``generators.spec.window``, < 256) | EVENT_SLOTS, EVENT_SEGMENT_SLOTS |
| campaign_id | 1 .. campaign_total(spec) (< 1024) | CAMPAIGN_SLOTS |
| exposure_id | (individual_id * 1024 + campaign_id) * 2**14 + k (k < 2**14 - 1) | EXPOSURE_SLOTS |
| co-exposure exposure_id | 2**62 + primary exposure_id (primary < 2**58) | CO_EXPOSURE_OFFSET |
| response_id | exposure_id * 8 + kind (kind < 8) | RESPONSE_SLOTS |
| outcome_id | exposure_id * 8 + attribution model index | RESPONSE_SLOTS |

Slot ``NO_EXPOSURE_SLOT`` (the last exposure slot of each (individual, campaign) pair) is never a
delivered exposure (``frequency.cap_per_flight`` stays below it): ids that belong to the pair
rather than to one exposure (its conversion, its organic attribution rows) are built on it.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from generators.spec.capacity import (
    CAMPAIGN_SLOTS,
    EVENT_SEGMENT_SLOTS,
    EVENT_SLOTS,
    EXPOSURE_SLOTS,
    MAPPING_SLOTS,
    MEMBER_SLOTS,
    NOISE_MAPPING_OFFSET,
    NOISE_MAPPING_SLOTS,
    RESPONSE_SLOTS,
)

NO_EXPOSURE_SLOT = EXPOSURE_SLOTS - 1
CO_EXPOSURE_OFFSET = 2**62


def individual_id(household_id: Column, member: Column) -> Column:
    """The id of member ``member`` (0-based) of a household."""
    return household_id * F.lit(MEMBER_SLOTS) + member.cast("long")


def household_of(individual_id: Column) -> Column:
    """The household an individual id belongs to."""
    return F.floor(individual_id / F.lit(MEMBER_SLOTS)).cast("long")


def mapping_id(individual_id: Column, slot: Column | int) -> Column:
    """The id of identifier slot ``slot`` of an individual."""
    return individual_id * F.lit(MAPPING_SLOTS) + _col(slot).cast("long")


def noise_mapping_id(individual_id: Column, slot: Column | int) -> Column:
    """The id of noise slot ``slot`` of an individual: above every ``mapping_id``, below 2**62."""
    base = individual_id * F.lit(NOISE_MAPPING_SLOTS) + _col(slot).cast("long")
    return base + F.lit(NOISE_MAPPING_OFFSET)


def event_id(individual_id: Column, k: Column | int, segment: int = 0) -> Column:
    """The id of the k-th engagement event of an individual in a segment of the window."""
    base = individual_id * F.lit(EVENT_SLOTS) + _col(k).cast("long")
    return base + F.lit(segment * EVENT_SEGMENT_SLOTS) if segment else base


def exposure_id(individual_id: Column, campaign_id: Column, k: Column | int) -> Column:
    """The id of the k-th exposure of an individual to a campaign."""
    pair = individual_id * F.lit(CAMPAIGN_SLOTS) + campaign_id.cast("long")
    return pair * F.lit(EXPOSURE_SLOTS) + _col(k).cast("long")


def co_exposure_id(primary_exposure_id: Column) -> Column:
    """The id of the co-exposure row recorded for a delivered (primary) exposure."""
    return primary_exposure_id + F.lit(CO_EXPOSURE_OFFSET)


def sub_id(exposure_id: Column, kind: Column | int) -> Column:
    """The id of item ``kind`` (< RESPONSE_SLOTS) hanging off an exposure id: responses, outcomes."""
    return exposure_id * F.lit(RESPONSE_SLOTS) + _col(kind).cast("long")


def _col(value: Column | int) -> Column:
    return value if isinstance(value, Column) else F.lit(value)
