"""identity_mappings: the cross-device identity graph, fanned out from individuals rows.

Each person's identifiers occupy fixed slots: ``mapping_id = ids.mapping_id(individual_id, slot)``.

| slot | identifier_type | device_type | present when |
|---|---|---|---|
| 0 | email_hash | null | person 13+, rate ``email_hash`` |
| 1 | mobile_ad_id | mobile | person 13+, rate ``mobile_ad_id`` |
| 2 | device_id (household shared) | tablet | household, ``shared_device_rate`` |
| 3 | ctv_id (household) | ctv | household, rate ``ctv_id`` |
| 4 | ip_address (household) | null | household, rate ``ip_address`` |
| 8 + j | device_id, personal device j | mobile/desktop/tablet | person 13+, rate ``device_id``; j < n |
| 40 + 72b + k | cookie k of browser b | desktop/mobile/tablet (b = 0/1/2) | person 13+, rate ``cookie`` |

Rates are ``demographics.identity.identifier_types``; children under MIN_PERSONAL_ID_AGE (13)
carry only the household identifiers. n (personal devices) is drawn from ``devices_per_person``
(uniform shape on min..max, exponentially tilted to the average); device 0 is the phone when the
person has a mobile_ad_id, the last device is a tablet with probability P_PERSONAL_TABLET (unless
it is that phone), the others follow PERSONAL_DEVICE_MIX. A cookie user has a primary browser
(PRIMARY_BROWSER) and each other browser type with probability EXTRA_BROWSER.

Household identifiers (slots 2-4) are mapped to every member with the same identifier_value and
``is_household_shared`` true; their ``true_owner_individual_id`` is the householder (member 0).
Personal identifiers are owned by the person. Values: email_hash = sha256 of
``p<individual_id>.<seed>@example.com``; mobile_ad_id an uppercase UUID (v4 layout), device_id a
lowercase UUID, ctv_id 32 uppercase hex digits, cookie 32 lowercase hex digits (two 64-bit
hashes); ip_address a public IPv4 from a bijection of household_id (unique for ids < 2^30).
Values are unique per type apart from the shared household rows (by construction for email and
ip, by 120+ bits of hash otherwise).

Time (whole seconds, window [start_date 00:00, end_date 23:59:59] UTC, W seconds long; W₀ the
first window's length, ``generators.spec.window``, = W unless an append extended the window):
device ids, mobile_ad_id and ctv_id span the whole window; email_hash is first seen uniformly in
the first window and last seen uniformly after that; ip_address is first seen in the first
W₀ / 4 and last seen in the last W₀ / 4. Cookies churn: per (person, browser) a lifetime L around
``cookie_lifetime_days`` (uniform within ±50%; at least W₀ / 71 so 72 slots cover the first
window; ``spec_rules`` keeps an extended window within ``longest_window_seconds``) and a phase φ
uniform in [0, L); cookie k covers [kL − φ, (k+1)L − φ) clipped to the window, so a browser has
floor((W − 1 + φ) / L) + 1 cookies. Extending the window therefore keeps every identifier's
value, owner and first_seen; only last_seen moves later, and cookies are added.

``has_device``, ``identity_facts`` and ``event_identifier`` recompute all of this from the ids
alone (no join), so the engagement table can name the identifier behind each event: the
per-person facts once per person, the event's cookie per event. ``has_device`` takes the
person's ``age`` column optionally; without it the age is recomputed by ``individuals.age_of``
(slower: an interpreted lambda).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import DEVICE_TYPES, GenerationSpec
from generators.spec.capacity import (
    BROWSERS,
    COOKIE_LIFETIME_SPREAD,
    COOKIE_SLOT0,
    COOKIES_PER_BROWSER,
    DEVICE_SLOT0,
    min_cookie_lifetime,
)
from generators.spec.window import first_window
from generators.synth import ids, rng
from generators.synth.sampling import element, round_half_up
from generators.synth.seasonality import window_start_epoch
from generators.tables import individuals
from generators.tables.households import tilt_to_mean

if TYPE_CHECKING:
    from generators.tables.node import BuildContext

DESCRIPTION = (
    "Cross-device identity graph: every identifier (cookie, mobile ad id, email hash, device id, "
    "CTV id, IP address) mapped to the people it belongs to, with the true owner and when it was seen."
)
COLUMNS = {
    "mapping_id": "Mapping key: individual_id * 256 + slot (see generators/tables/identity_mappings.py).",
    "individual_id": "Person the identifier is observed for (individuals.individual_id).",
    "household_id": "Household of that person (households.household_id).",
    "identifier_type": "cookie, mobile_ad_id, email_hash, device_id, ctv_id or ip_address.",
    "identifier_value": "The identifier; unique per type except household-shared identifiers, "
    "which repeat for every member of the household.",
    "device_type": "ctv, mobile, desktop or tablet the identifier lives on; null for email_hash "
    "and ip_address.",
    "is_household_shared": "True for household identifiers (ctv_id, ip_address, the shared "
    "device's device_id) mapped to every member.",
    "true_owner_individual_id": "Ground truth owner: the person for personal identifiers, the "
    "householder for household-shared ones.",
    "first_seen": "First time the identifier is observed (UTC), inside the engagement window.",
    "last_seen": "Last time the identifier is observed (UTC), >= first_seen, inside the window.",
}

SLOT_EMAIL, SLOT_MAID, SLOT_SHARED_DEVICE, SLOT_CTV, SLOT_IP = 0, 1, 2, 3, 4
MIN_PERSONAL_ID_AGE = 13
PRIMARY_BROWSER = {"desktop": 0.4, "mobile": 0.5, "tablet": 0.1}
EXTRA_BROWSER = {"desktop": 0.45, "mobile": 0.5, "tablet": 0.15}
PERSONAL_DEVICE_MIX = {"mobile": 0.45, "desktop": 0.55}
P_PERSONAL_TABLET = 0.45
TABLET_KEY = -1  # device_id values are keyed by (individual, j), the tablet's by (individual, -1)
SHARED_DEVICE_TYPE = "tablet"
MOBILE_APP_SHARE = 0.7
IP_EDGE_SHARE = 0.25
# 64 first octets of public unicast space (skipping 0-10, 100, 127, 169, 172, 192, 198, 203, 224+).
PUBLIC_FIRST_OCTETS = tuple(
    o for o in range(11, 224) if o not in {100, 127, 169, 172, 192, 198, 203}
)[::3][:64]
IP_BITS = 30
IP_MIX = (0x85EBCA6B, 0xC2B2AE35)  # odd multipliers (murmur3 fmix32 constants), < 2^33

IDENTIFIER = "struct<mapping_id: bigint, identifier_type: string, identifier_value: string>"


@dataclass(frozen=True)
class Window:
    """The engagement window in epoch seconds: [start, start + seconds); the first window
    (before any extension) is [start, start + first_seconds)."""

    start: int
    seconds: int
    first_seconds: int

    @classmethod
    def of(cls, spec: GenerationSpec) -> Window:
        days = spec.engagement.window_days, first_window(spec).days
        return cls(window_start_epoch(spec), days[0] * 86_400, days[1] * 86_400)


@dataclass(frozen=True)
class Person:
    """Identifier draws of one person, pure Column functions of (seed, ids). Personal draws are
    not gated by age here: callers combine them with ``adult`` once (keeps expressions small)."""

    spec: GenerationSpec
    individual_id: Column
    household_id: Column

    @property
    def seed(self) -> int:
        return self.spec.seed

    def rate(self, identifier_type: str) -> float:
        return self.spec.demographics.identity.identifier_types.get(identifier_type, 0.0)

    def has(self, identifier_type: str) -> Column:
        """The person, if 13+, has this personal identifier type."""
        return rng.bernoulli(
            self.seed,
            f"identity.has.{identifier_type}",
            self.individual_id,
            p=self.rate(identifier_type),
        )

    def household(self, identifier_type: str) -> Column:
        """The household has this shared identifier type (ctv_id, ip_address)."""
        return rng.bernoulli(
            self.seed,
            f"identity.has.{identifier_type}",
            self.household_id,
            p=self.rate(identifier_type),
        )

    def shared_device(self) -> Column:
        return rng.bernoulli(
            self.seed,
            "identity.has.shared_device",
            self.household_id,
            p=self.spec.demographics.identity.shared_device_rate,
        )

    def device_count(self) -> Column:
        """Personal devices with a device_id (0 without device ids)."""
        count = rng.categorical(
            self.seed, "identity.devices", self.individual_id, weights=device_pmf(self.spec)
        ).cast("int")
        return F.when(self.has("device_id"), count).otherwise(F.lit(0))

    def device_type(self, j: Column, n: Column) -> Column:
        """Type of personal device j of n: the phone first when the person has a mobile_ad_id,
        the last a tablet when the person has one, the others PERSONAL_DEVICE_MIX."""
        drawn = rng.categorical(
            self.seed, "identity.device_type", self.individual_id, j, weights=PERSONAL_DEVICE_MIX
        )
        return (
            F.when((j == 0) & self.has("mobile_ad_id"), F.lit("mobile"))
            .when((j == n - 1) & self.tablet(), F.lit("tablet"))
            .otherwise(drawn)
        )

    def tablet(self) -> Column:
        return rng.bernoulli(
            self.seed, "identity.has.tablet", self.individual_id, p=P_PERSONAL_TABLET
        )

    def first_tablet(self) -> Column:
        """Index of the personal tablet (the last device), null without one."""
        last = self.device_count() - 1
        phone = (last == 0) & self.has("mobile_ad_id")
        return F.when((last >= 0) & self.tablet() & ~phone, last)

    def browser(self, b: Column) -> Column:
        """The person, if 13+, has browser b (index into BROWSERS) and so cookies on it."""
        primary = rng.categorical(
            self.seed,
            "identity.primary_browser",
            self.individual_id,
            weights=[(i, PRIMARY_BROWSER[t]) for i, t in enumerate(BROWSERS)],
        )
        extra = rng.bernoulli(
            self.seed,
            "identity.extra_browser",
            self.individual_id,
            b,
            p=element([EXTRA_BROWSER[t] for t in BROWSERS], b),
        )
        return self.has("cookie") & ((primary == b) | extra)

    def lifetime(self, b: Column, window: Window) -> Column:
        """Cookie lifetime L (seconds, long) on browser b."""
        spread = COOKIE_LIFETIME_SPREAD
        u = rng.uniform(self.seed, "identity.cookie_lifetime", self.individual_id, b)
        factor = F.lit(1.0 - spread) + u * F.lit(2 * spread)
        days = self.spec.demographics.identity.cookie_lifetime_days
        seconds = round_half_up(factor * F.lit(days * 86_400.0))
        return F.greatest(seconds, F.lit(float(min_lifetime(window)))).cast("long")

    def phase(self, b: Column, lifetime: Column) -> Column:
        """Cookie phase φ in [0, L) seconds."""
        u = rng.uniform(self.seed, "identity.cookie_phase", self.individual_id, b)
        return F.floor(u * lifetime.cast("double")).cast("long")


def device_pmf(spec: GenerationSpec) -> dict[int, float]:
    """Personal devices per person with device ids: uniform on min..max tilted to the average."""
    devices = spec.demographics.identity.devices_per_person
    base = {k: 1.0 for k in range(devices.min, devices.max + 1)}
    return tilt_to_mean(base, devices.average)


def min_lifetime(window: Window) -> int:
    """Shortest cookie lifetime (seconds) for which COOKIES_PER_BROWSER slots cover the first
    window."""
    return min_cookie_lifetime(window.first_seconds)


# ---------------------------------------------------------------- values


def _hex(value: Column, shift: int, digits: int, *, upper: bool = False) -> Column:
    """Hex digits ``shift // 4 .. shift // 4 + digits - 1`` (from the right) of a long, zero
    padded to ``digits``: each piece is cut from the number, never from a longer string."""
    bits = F.shiftrightunsigned(value, shift) if shift else value
    if digits < 16:
        bits = bits.bitwiseAND(F.lit((1 << (4 * digits)) - 1))
    text = F.hex(bits) if upper else F.lower(F.hex(bits))
    return F.lpad(text, digits, "0")


def _hex128(seed: int, stream: str, *keys: Column, upper: bool = False) -> Column:
    """32 hex digits: the hashes of streams ``#a`` and ``#b``, 16 digits each."""
    halves = (rng.hash64(seed, f"{stream}#{half}", *keys) for half in "ab")
    return F.concat(*(_hex(h, 0, 16, upper=upper) for h in halves))


def _uuid(seed: int, stream: str, *keys: Column, upper: bool = False) -> Column:
    """A UUID with version 4 and RFC 4122 variant nibbles, from the two hashes of ``_hex128``
    (its digits 13 and 17, 1-based, replaced by the version and the variant)."""
    a, b = (rng.hash64(seed, f"{stream}#{half}", *keys) for half in "ab")
    variants = ["8", "9", "A", "B"] if upper else ["8", "9", "a", "b"]
    variant = element(variants, F.pmod(b, F.lit(4)).cast("int"))
    return F.concat(
        _hex(a, 32, 8, upper=upper),
        F.lit("-"),
        _hex(a, 16, 4, upper=upper),
        F.lit("-4"),
        _hex(a, 0, 3, upper=upper),
        F.lit("-"),
        variant,
        _hex(b, 48, 3, upper=upper),
        F.lit("-"),
        _hex(b, 0, 12, upper=upper),
    )


def email_hash(seed: int, individual_id: Column) -> Column:
    address = F.concat(F.lit("p"), individual_id.cast("string"), F.lit(f".{seed}@example.com"))
    return F.sha2(address, 256)


def mobile_ad_id(seed: int, individual_id: Column) -> Column:
    return _uuid(seed, "identity.mobile_ad_id", individual_id, upper=True)


def personal_device_id(seed: int, individual_id: Column, j: Column) -> Column:
    return _uuid(seed, "identity.device_id", individual_id, j)


def shared_device_id(seed: int, household_id: Column) -> Column:
    return _uuid(seed, "identity.shared_device_id", household_id)


def ctv_id(seed: int, household_id: Column) -> Column:
    return _hex128(seed, "identity.ctv_id", household_id, upper=True)


def cookie_id(seed: int, individual_id: Column, b: Column, k: Column) -> Column:
    return _hex128(seed, "identity.cookie", individual_id, b, k)


def ip_address(seed: int, household_id: Column) -> Column:
    """Dotted IPv4 from a bijection of the low 30 bits of household_id: unique per household."""
    mask = F.lit((1 << IP_BITS) - 1)
    offset = int.from_bytes(hashlib.sha256(f"idgraph.ip.{seed}".encode()).digest()[:8], "big")
    x = (household_id.cast("long") + F.lit(offset % (1 << IP_BITS))).bitwiseAND(mask)
    for shift, multiplier in ((15, IP_MIX[0]), (13, IP_MIX[1])):
        x = x.bitwiseXOR(F.shiftright(x, shift))
        x = (x * F.lit(multiplier)).bitwiseAND(mask)
    x = x.bitwiseXOR(F.shiftright(x, 16))
    first = element(list(PUBLIC_FIRST_OCTETS), F.shiftright(x, 24).cast("int"))
    octets = [F.shiftright(x, s).bitwiseAND(F.lit(255)) for s in (16, 8, 0)]
    return F.concat_ws(".", *(o.cast("string") for o in (first, *octets)))


# ---------------------------------------------------------------- for the engagement table


def has_device(
    spec: GenerationSpec,
    individual_id: Column,
    household_id: Column,
    device_type: str,
    age: Column | None = None,
) -> Column:
    """True when the person can produce events on ``device_type``: ctv needs the household
    ctv_id; mobile a mobile_ad_id or a mobile browser; desktop a desktop browser; tablet a
    personal tablet or the household's shared device. ``age`` (the individuals column) saves
    recomputing it from the id; when given it must be the person's age."""
    if device_type not in DEVICE_TYPES:
        raise ValueError(f"unknown device type {device_type!r}; use {', '.join(DEVICE_TYPES)}")
    person = _person(spec, individual_id, household_id)
    adult = _adult(spec, person, age)
    if device_type == "ctv":
        return person.household("ctv_id")
    if device_type == "tablet":
        return person.shared_device() | (adult & person.first_tablet().isNotNull())
    return adult & _personal_device(person, F.lit(device_type))


def identity_facts(
    spec: GenerationSpec, individual_id: Column, household_id: Column, age: Column
) -> Column:
    """The per-person part of ``event_identifier``, as one struct column: compute it once per
    person (before fanning out to events), then ``event_identifier`` adds only what depends on
    the event (the cookie alive at its time, app or browser). ``age`` is the person's age.

    Fields: which devices the person can use (personal ones only at 13+), each browser's cookie
    lifetime and phase, and the identifiers that do not change over the window."""
    seed = spec.seed
    person = _person(spec, individual_id, household_id)
    iid, hid = person.individual_id, person.household_id
    window = Window.of(spec)
    adult = age >= MIN_PERSONAL_ID_AGE
    maid = adult & person.has("mobile_ad_id")
    tablet_index = person.first_tablet()
    personal_tablet = adult & tablet_index.isNotNull()
    fields = {
        "ctv": person.household("ctv_id"),
        "shared_tablet": person.shared_device(),
        "personal_tablet": personal_tablet,
        "maid": maid,
        "ctv_identifier": _identifier(ids.mapping_id(iid, SLOT_CTV), "ctv_id", ctv_id(seed, hid)),
        "maid_identifier": F.when(
            maid,
            _identifier(ids.mapping_id(iid, SLOT_MAID), "mobile_ad_id", mobile_ad_id(seed, iid)),
        ),
        "tablet_identifier": F.when(
            personal_tablet,
            _identifier(
                ids.mapping_id(iid, F.lit(DEVICE_SLOT0) + tablet_index),
                "device_id",
                personal_device_id(seed, iid, F.lit(TABLET_KEY)),
            ),
        ).otherwise(
            _identifier(
                ids.mapping_id(iid, SLOT_SHARED_DEVICE), "device_id", shared_device_id(seed, hid)
            )
        ),
    }
    for name in ("desktop", "mobile"):
        b = _browser(name)
        lifetime = person.lifetime(b, window)
        fields[f"{name}_browser"] = adult & person.browser(b)
        fields[f"{name}_lifetime"] = lifetime
        fields[f"{name}_phase"] = person.phase(b, lifetime)
    return F.struct(*(value.alias(name) for name, value in fields.items()))


def event_identifier(
    spec: GenerationSpec,
    individual_id: Column,
    device_type: Column,
    event_ts: Column,
    facts: Column,
) -> Column:
    """struct<mapping_id, identifier_type, identifier_value> of the identifier behind an event
    on ``device_type`` at ``event_ts`` (inside the window, whole seconds) of the person whose
    ``identity_facts`` are ``facts``; null when the person has no such device (``has_device``
    false). Mobile events come from the app (mobile_ad_id) with probability MOBILE_APP_SHARE
    when the person also has a mobile browser; tablet events from a personal tablet when there
    is one, else the shared device; browser events from the cookie alive at ``event_ts``."""
    seed = spec.seed
    iid = individual_id.cast("long")
    window = Window.of(spec)
    ts = F.unix_seconds(event_ts)
    desktop = device_type == "desktop"
    b = F.when(desktop, _browser("desktop")).otherwise(_browser("mobile"))
    lifetime = F.when(desktop, facts["desktop_lifetime"]).otherwise(facts["mobile_lifetime"])
    phase = F.when(desktop, facts["desktop_phase"]).otherwise(facts["mobile_phase"])
    k = F.floor((ts - F.lit(window.start) + phase) / lifetime).cast("int")
    cookie = _identifier(
        ids.mapping_id(iid, _cookie_slot(b, k)), "cookie", cookie_id(seed, iid, b, k)
    )
    app = facts["maid"] & (
        ~facts["mobile_browser"]
        | rng.bernoulli(seed, "identity.mobile_app", iid, ts, p=MOBILE_APP_SHARE)
    )
    chosen = (
        F.when(device_type == "ctv", facts["ctv_identifier"])
        .when(device_type == "mobile", F.when(app, facts["maid_identifier"]).otherwise(cookie))
        .when(desktop, cookie)
        .otherwise(facts["tablet_identifier"])
    )
    available = (
        F.when(device_type == "ctv", facts["ctv"])
        .when(device_type == "mobile", facts["maid"] | facts["mobile_browser"])
        .when(desktop, facts["desktop_browser"])
        .when(device_type == "tablet", facts["shared_tablet"] | facts["personal_tablet"])
        .otherwise(F.lit(False))
    )
    return F.when(available, chosen).otherwise(F.lit(None).cast(IDENTIFIER))


# ---------------------------------------------------------------- the table


def identity_mappings(spec: GenerationSpec, individuals_df: DataFrame) -> DataFrame:
    """The identity_mappings table fanned out from the individuals table."""
    seed = spec.seed
    window = Window.of(spec)
    iid, hid = F.col("individual_id"), F.col("household_id")
    person = Person(spec, iid, hid)
    adult = F.col("age") >= MIN_PERSONAL_ID_AGE
    empty = F.array().cast("array<int>")

    def slots_if(condition: Column, first: int | Column, count: Column | int = 1) -> Column:
        first_col = first if isinstance(first, Column) else F.lit(first)
        last = first_col + F.lit(count) - 1 if isinstance(count, int) else first_col + count - 1
        return F.when(condition, F.sequence(first_col, last)).otherwise(empty)

    cookies = []
    for index in range(len(BROWSERS)):
        b = F.lit(index)
        lifetime = person.lifetime(b, window)
        count = F.floor((F.lit(window.seconds - 1) + person.phase(b, lifetime)) / lifetime).cast(
            "int"
        ) + F.lit(1)
        cookies.append(slots_if(adult & person.browser(b), _cookie_slot(b, F.lit(0)), count))
    n_devices = F.when(adult, person.device_count()).otherwise(F.lit(0))
    slots = F.concat(
        slots_if(adult & person.has("email_hash"), SLOT_EMAIL),
        slots_if(adult & person.has("mobile_ad_id"), SLOT_MAID),
        slots_if(person.shared_device(), SLOT_SHARED_DEVICE),
        slots_if(person.household("ctv_id"), SLOT_CTV),
        slots_if(person.household("ip_address"), SLOT_IP),
        slots_if(n_devices > 0, DEVICE_SLOT0, n_devices),
        *cookies,
    )
    rows = individuals_df.select(
        "individual_id", "household_id", "age", F.explode(slots).alias("slot")
    )
    slot = F.col("slot")
    j = slot - F.lit(DEVICE_SLOT0)
    b = F.floor((slot - F.lit(COOKIE_SLOT0)) / F.lit(COOKIES_PER_BROWSER)).cast("int")
    k = F.pmod(slot - F.lit(COOKIE_SLOT0), F.lit(COOKIES_PER_BROWSER)).cast("int")
    is_cookie = slot >= COOKIE_SLOT0
    shared = slot.isin(SLOT_SHARED_DEVICE, SLOT_CTV, SLOT_IP)
    device_type = person.device_type(j, person.device_count())

    def by_slot(
        email: Column,
        maid: Column,
        shared_device: Column,
        ctv: Column,
        ip: Column,
        device: Column,
        cookie: Column,
    ) -> Column:
        return (
            F.when(slot == SLOT_EMAIL, email)
            .when(slot == SLOT_MAID, maid)
            .when(slot == SLOT_SHARED_DEVICE, shared_device)
            .when(slot == SLOT_CTV, ctv)
            .when(slot == SLOT_IP, ip)
            .when(~is_cookie, device)
            .otherwise(cookie)
        )

    start, last = F.lit(window.start), F.lit(window.seconds - 1)
    email_first = F.floor(rng.uniform(seed, "identity.email_first", iid) * window.first_seconds)
    email_last = email_first + F.floor(
        rng.uniform(seed, "identity.email_last", iid) * (F.lit(window.seconds) - email_first)
    )
    edge = window.first_seconds * IP_EDGE_SHARE
    ip_first = F.floor(rng.uniform(seed, "identity.ip_first", hid) * edge)
    ip_last = last - F.floor(rng.uniform(seed, "identity.ip_last", hid) * edge)
    lifetime = person.lifetime(b, window)
    cookie_start = k.cast("long") * lifetime - person.phase(b, lifetime)
    cookie_first = F.greatest(cookie_start, F.lit(0))
    cookie_last = F.least(cookie_start + lifetime - 1, last)
    zero = F.lit(0)
    first_seen = by_slot(email_first, zero, zero, zero, ip_first, zero, cookie_first)
    last_seen = by_slot(email_last, last, last, last, ip_last, last, cookie_last)
    return rows.select(
        ids.mapping_id(iid, slot).alias("mapping_id"),
        "individual_id",
        "household_id",
        by_slot(
            F.lit("email_hash"),
            F.lit("mobile_ad_id"),
            F.lit("device_id"),
            F.lit("ctv_id"),
            F.lit("ip_address"),
            F.lit("device_id"),
            F.lit("cookie"),
        ).alias("identifier_type"),
        by_slot(
            email_hash(seed, iid),
            mobile_ad_id(seed, iid),
            shared_device_id(seed, hid),
            ctv_id(seed, hid),
            ip_address(seed, hid),
            personal_device_id(
                seed, iid, F.when(device_type == "tablet", F.lit(TABLET_KEY)).otherwise(j)
            ),
            cookie_id(seed, iid, b, k),
        ).alias("identifier_value"),
        by_slot(
            F.lit(None).cast("string"),
            F.lit("mobile"),
            F.lit(SHARED_DEVICE_TYPE),
            F.lit("ctv"),
            F.lit(None).cast("string"),
            device_type,
            element(list(BROWSERS), b),
        ).alias("device_type"),
        shared.alias("is_household_shared"),
        F.when(shared, ids.individual_id(hid, F.lit(0)))
        .otherwise(iid)
        .alias("true_owner_individual_id"),
        F.timestamp_seconds(start + first_seen.cast("long")).alias("first_seen"),
        F.timestamp_seconds(start + last_seen.cast("long")).alias("last_seen"),
    )


def build(ctx: BuildContext) -> DataFrame:
    """Pipeline entry point."""
    return identity_mappings(ctx.spec, ctx.fan_out_input("individuals"))


def expected_rows(spec: GenerationSpec) -> float:
    """People × (household identifiers + share 13+ × expected personal identifiers)."""
    identity = spec.demographics.identity
    rates = identity.identifier_types
    ages = individuals.age_pmf(spec)
    people = spec.households.count * ages.sum()
    adult_share = ages[MIN_PERSONAL_ID_AGE:].sum() / ages.sum()
    browsers = sum(
        PRIMARY_BROWSER[t] + (1 - PRIMARY_BROWSER[t]) * EXTRA_BROWSER[t] for t in BROWSERS
    )
    device_mean = sum(k * p for k, p in device_pmf(spec).items())
    personal = (
        rates.get("email_hash", 0.0)
        + rates.get("mobile_ad_id", 0.0)
        + rates.get("device_id", 0.0) * device_mean
        + rates.get("cookie", 0.0) * browsers * _mean_cookies(spec)
    )
    shared = rates.get("ctv_id", 0.0) + rates.get("ip_address", 0.0) + identity.shared_device_rate
    return people * (shared + adult_share * personal)


def _mean_cookies(spec: GenerationSpec) -> float:
    """E[cookies per browser] = E[(W − 1) / L] + 1 over the lifetime distribution."""
    window = Window.of(spec)
    spread, steps = COOKIE_LIFETIME_SPREAD, 2000
    mean_seconds = spec.demographics.identity.cookie_lifetime_days * 86_400
    total = 0.0
    for i in range(steps):
        factor = 1 - spread + 2 * spread * (i + 0.5) / steps
        lifetime = max(round(mean_seconds * factor), min_lifetime(window))
        total += (window.seconds - 1) / lifetime
    return total / steps + 1


def _person(spec: GenerationSpec, individual_id: Column, household_id: Column) -> Person:
    return Person(spec, individual_id.cast("long"), household_id.cast("long"))


def _adult(spec: GenerationSpec, person: Person, age: Column | None) -> Column:
    """The person is old enough for personal identifiers (age recomputed from the id if not
    given)."""
    if age is None:
        age = individuals.age_of(spec, person.individual_id)
    return age >= MIN_PERSONAL_ID_AGE


def _personal_device(person: Person, device_type: Column) -> Column:
    """Ignoring age: a mobile_ad_id or mobile browser (mobile), a desktop browser (desktop),
    a personal tablet (tablet)."""
    return (
        F.when(
            device_type == "mobile",
            person.has("mobile_ad_id") | person.browser(_browser("mobile")),
        )
        .when(device_type == "desktop", person.browser(_browser("desktop")))
        .when(device_type == "tablet", person.first_tablet().isNotNull())
        .otherwise(F.lit(False))
    )


def _browser(device_type: str) -> Column:
    return F.lit(BROWSERS.index(device_type))


def _cookie_slot(b: Column, k: Column) -> Column:
    return F.lit(COOKIE_SLOT0) + b * F.lit(COOKIES_PER_BROWSER) + k


def _identifier(mapping_id: Column, identifier_type: str, value: Column) -> Column:
    return F.struct(
        mapping_id.alias("mapping_id"),
        F.lit(identifier_type).alias("identifier_type"),
        value.alias("identifier_value"),
    )
