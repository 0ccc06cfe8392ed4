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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spark.session import SMALL_METHODS_CONF
from generators.spec import DEVICE_TYPES, GenerationSpec
from generators.spec.capacity import (
    BROWSERS,
    COOKIE_LIFETIME_SPREAD,
    COOKIE_SLOT0,
    COOKIES_PER_BROWSER,
    DEVICE_SLOT0,
    MAPPING_SLOTS,
    MEMBER_SLOTS,
    min_cookie_lifetime,
)
from generators.spec.window import first_window
from generators.synth import ids, rng
from generators.synth.sampling import element, round_half_up
from generators.synth.seasonality import window_start_epoch
from generators.tables import identity_noise, individuals
from generators.tables.households import tilt_to_mean

if TYPE_CHECKING:
    from generators.tables.node import BuildContext

DESCRIPTION = (
    "Cross-device identity graph: every identifier (cookie, mobile ad id, email hash, device id, "
    "CTV id, IP address) mapped to the people it belongs to, with the true owner and when it was seen."
)
COLUMNS = {
    "mapping_id": "Mapping key: individual_id * 256 + slot (see generators/tables/identity_mappings.py); "
    "rows only a noisy graph has: 2^61 + individual_id * 2^16 + noise slot, in the id space of "
    "the identifier's true owner (generators/tables/identity_noise.py).",
    "individual_id": "Person the identifier is observed for (individuals.individual_id).",
    "household_id": "Household of that person (households.household_id).",
    "identifier_type": "cookie, mobile_ad_id, email_hash, device_id, ctv_id or ip_address.",
    "identifier_value": "The identifier. Without noise unique per type except household-shared "
    "identifiers, which repeat for every member of the household; with noise an IP address may "
    "also be a network many households share, and a device or identifier may be linked to "
    "several people (see true_owner_individual_id).",
    "device_type": "ctv, mobile, desktop or tablet the identifier lives on; null for email_hash "
    "and ip_address.",
    "is_household_shared": "True for household identifiers (ctv_id, ip_address leases, the "
    "shared device's device_id) mapped to every member; false on shared networks' addresses.",
    "true_owner_individual_id": "Ground truth owner: the person for personal identifiers, the "
    "householder for household-shared ones, the person seen on a shared network, a device's "
    "owner at the time (its next owner from the transfer on).",
    "first_seen": "First time the identifier is observed (UTC), inside the engagement window.",
    "last_seen": "Last time the identifier is observed (UTC), >= first_seen, inside the window.",
    "link_source": "How the identifier was linked to individual_id: observed (seen with the "
    "person), deterministic_match or probabilistic_match (a third-party link). Noisy graphs "
    "only (spec_version 2, noise other than easy), like every column below.",
    "match_confidence": "Confidence of the link, 0-1: 1 for observed and deterministic links, "
    "lower for probabilistic ones (and lowest for wrong ones, on average).",
    "is_wrong_link": "Ground truth: the link is wrong (individual_id does not use the "
    "identifier); only probabilistic links are.",
    "true_household_id": "Ground truth: household of true_owner_individual_id (differs from "
    "household_id only on wrong links to another household).",
    "true_network_type": "Ground truth for ip_address rows: residential (the household's "
    "lease), workplace, campus, public_wifi or carrier_nat (networks many households share); "
    "null for other identifiers.",
    "true_valid_from": "Ground truth: when the identifier began to belong to its true owner "
    "(cookie set, IP lease start, device received), inside the window; null on wrong links.",
    "true_valid_to": "Ground truth: when it stopped (cookie reset, lease end, device passed on; "
    "the window's end if it did not); null on wrong links.",
    "true_change_reason": "Ground truth: why the identifier's validity began inside the window: "
    "cookie_reset, ip_lease_renewed, household_moved, device_passed_on or device_sold; null when "
    "it was valid from the window's start.",
}
OPTIONAL_COLUMNS = tuple(list(COLUMNS)[list(COLUMNS).index("link_source") :])

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
PUBLIC_FIRST_OCTETS = identity_noise.RESIDENTIAL_OCTETS
IP_BITS = 30

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
    offset = identity_noise.address_offset(f"idgraph.ip.{seed}")
    return identity_noise.ipv4(household_id, IP_BITS, PUBLIC_FIRST_OCTETS, offset)


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
    spec: GenerationSpec,
    individual_id: Column,
    household_id: Column,
    age: Column,
    employment_status: Column | None = None,
    state: Column | None = None,
) -> Column:
    """The per-person part of ``event_identifier``, as one struct column: compute it once per
    person (before fanning out to events), then ``event_identifier`` adds only what depends on
    the event (the cookie alive at its time, app or browser). ``age`` is the person's age;
    ``employment_status`` and ``state`` (the individuals columns) are needed with noise.

    Fields: which devices the person can use (personal ones only at 13+), each browser's cookie
    lifetime and phase, and the identifiers that do not change over the window; with noise also
    the household's lease plan and first address and the person's network addresses."""
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
    noise = identity_noise.Noise.of(spec)
    if noise is not None:
        if employment_status is None or state is None:
            raise ValueError("identity noise needs the person's employment_status and state")
        fields |= _noise_facts(noise, person, age, maid, employment_status, state)
    return F.struct(*(value.alias(name) for name, value in fields.items()))


def _noise_facts(
    noise: identity_noise.Noise,
    person: Person,
    age: Column,
    maid: Column,
    employment_status: Column,
    state: Column,
) -> dict[str, Column]:
    """The facts of ``identity_facts`` noise adds: the home address (``home``: the household
    has one; ``ip0``: its first lease), the lease plan and the later leases' addresses
    (``lease_ips``), and the network address rows (null when the person is not seen on that
    network)."""
    seed = noise.seed
    iid, hid = person.individual_id, person.household_id
    slot = identity_noise.NETWORK_SLOT
    adult = age >= MIN_PERSONAL_ID_AGE
    work = noise.work_network(iid, age, employment_status)

    def network(kind: Column, noise_slot: int) -> Column:
        return _identifier(
            ids.noise_mapping_id(iid, noise_slot),
            "ip_address",
            noise.network_ip(kind, iid, hid, state),
        )

    plan = F.struct(*(c.alias(n) for n, c in noise.lease_plan(hid).items()))
    return {
        "home": person.household("ip_address"),
        "ip0": _identifier(ids.mapping_id(iid, SLOT_IP), "ip_address", ip_address(seed, hid)),
        "lease": plan,
        "lease_ips": noise.lease_ips(plan, hid),
        "work": F.when(work.isNotNull(), network(work, slot["work"])),
        "public": F.when(
            adult & noise.on_public_wifi(iid), network(F.lit("public_wifi"), slot["public_wifi"])
        ),
        "nat": F.when(
            maid & noise.behind_nat(iid), network(F.lit("carrier_nat"), slot["carrier_nat"])
        ),
    }


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
    is one, else the shared device; browser events from the cookie alive at ``event_ts``, or
    with noise from an IP address (``identity_noise``: cookie gaps, ``ip_only_event_share``)."""
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
    noise = identity_noise.Noise.of(spec)
    if noise is not None:
        t = ts - F.lit(window.start)
        gap = noise.handoff(iid, b, k, lifetime, facts["home"])
        in_gap = (k >= 1) & (t < k.cast("long") * lifetime - phase + gap)
        cookie = _ip_or_cookie(noise, iid, device_type, event_ts, t, in_gap, facts, cookie)
    app = facts["maid"] & (
        ~facts["mobile_browser"]
        | rng.bernoulli(seed, "identity.mobile_app", iid, ts, p=MOBILE_APP_SHARE)
    )
    chosen = (
        F.when(device_type == "ctv", facts["ctv_identifier"])
        .when((device_type == "mobile") & app, facts["maid_identifier"])
        .when(device_type.isin("mobile", "desktop"), cookie)
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


def _ip_or_cookie(
    noise: identity_noise.Noise,
    iid: Column,
    device_type: Column,
    event_ts: Column,
    t: Column,
    in_gap: Column,
    facts: Column,
    cookie: Column,
) -> Column:
    """A browser event's identifier with noise: in a cookie gap, or drawn with
    ``ip_only_event_share``, the address of the network it came from (carrier NAT, workplace or
    campus in working hours, public Wi-Fi, else the household's lease at ``t``), when there is
    one; otherwise ``cookie``."""
    seed = noise.seed
    ts = F.unix_seconds(event_ts)
    drawn = rng.bernoulli(seed, "noise.ip_only_event", iid, ts, p=noise.rates.ip_only_event_share)
    cellular = (
        (device_type == "mobile")
        & facts["nat"].isNotNull()
        & rng.bernoulli(seed, "noise.cellular", iid, ts, p=identity_noise.CELLULAR_SHARE)
    )
    opening, closing = identity_noise.WORK_HOURS
    hour = F.hour(event_ts)
    at_work = (
        facts["work"].isNotNull()
        & F.dayofweek(event_ts).between(2, 6)
        & (hour >= opening)
        & (hour < closing)
    )
    public = facts["public"].isNotNull() & rng.bernoulli(
        seed, "noise.public_event", iid, ts, p=identity_noise.PUBLIC_WIFI_EVENT_SHARE
    )
    lease = noise.lease_at(facts["lease"], t)
    leased = _identifier(
        ids.noise_mapping_id(iid, F.lit(identity_noise.LEASE_SLOT0) + lease),
        "ip_address",
        F.element_at(facts["lease_ips"], lease.cast("int")),
    )
    address = (
        F.when(cellular, facts["nat"])
        .when(at_work, facts["work"])
        .when(public, facts["public"])
        .when(lease == 0, facts["ip0"])
        .otherwise(leased)
    )
    by_ip = (in_gap | drawn) & (cellular | at_work | public | facts["home"])
    return F.when(by_ip, address).otherwise(cookie)


# ---------------------------------------------------------------- the table


def identity_mappings(spec: GenerationSpec, individuals_df: DataFrame) -> DataFrame:
    """The identity_mappings table fanned out from the individuals table (with the noise of
    ``identity_noise`` unless it is ``easy``)."""
    noise = identity_noise.Noise.of(spec)
    window = Window.of(spec)
    iid, hid = F.col("individual_id"), F.col("household_id")
    person = Person(spec, iid, hid)
    adult = F.col("age") >= MIN_PERSONAL_ID_AGE
    slots = _slots(person, adult, window)
    if noise is None:
        rows = individuals_df.select(
            "individual_id", "household_id", "age", F.explode(slots).alias("slot")
        )
        columns = _columns(spec, person, window, F.col("slot"))
        for name in ("first_seen", "last_seen"):
            columns[name] = _timestamp(window, columns[name])
        return rows.select(*(column.alias(name) for name, column in columns.items()))
    return _noisy_mappings(noise, person, window, individuals_df, slots)


def _empty() -> Column:
    return F.array().cast("array<int>")


def _slots_if(condition: Column, first: int | Column, count: Column | int = 1) -> Column:
    """Slots first .. first + count - 1 when ``condition`` holds, else none."""
    first_col = first if isinstance(first, Column) else F.lit(first)
    last = first_col + F.lit(count) - 1 if isinstance(count, int) else first_col + count - 1
    return F.when(condition, F.sequence(first_col, last)).otherwise(_empty())


def _slots(person: Person, adult: Column, window: Window) -> Column:
    """The person's identifier slots (the module table)."""
    cookies = []
    for index in range(len(BROWSERS)):
        b = F.lit(index)
        lifetime = person.lifetime(b, window)
        count = F.floor((F.lit(window.seconds - 1) + person.phase(b, lifetime)) / lifetime).cast(
            "int"
        ) + F.lit(1)
        cookies.append(_slots_if(adult & person.browser(b), _cookie_slot(b, F.lit(0)), count))
    n_devices = F.when(adult, person.device_count()).otherwise(F.lit(0))
    return F.concat(
        _slots_if(adult & person.has("email_hash"), SLOT_EMAIL),
        _slots_if(adult & person.has("mobile_ad_id"), SLOT_MAID),
        _slots_if(person.shared_device(), SLOT_SHARED_DEVICE),
        _slots_if(person.household("ctv_id"), SLOT_CTV),
        _slots_if(person.household("ip_address"), SLOT_IP),
        _slots_if(n_devices > 0, DEVICE_SLOT0, n_devices),
        *cookies,
    )


@dataclass(frozen=True)
class _Slot:
    """What a mapping slot (< MAPPING_SLOTS) is: browser b and cookie k, device j."""

    slot: Column

    @property
    def j(self) -> Column:
        return self.slot - F.lit(DEVICE_SLOT0)

    @property
    def b(self) -> Column:
        return F.floor((self.slot - F.lit(COOKIE_SLOT0)) / F.lit(COOKIES_PER_BROWSER)).cast("int")

    @property
    def k(self) -> Column:
        return F.pmod(self.slot - F.lit(COOKIE_SLOT0), F.lit(COOKIES_PER_BROWSER)).cast("int")

    @property
    def is_cookie(self) -> Column:
        return self.slot >= COOKIE_SLOT0

    @property
    def is_device(self) -> Column:
        return (self.slot >= DEVICE_SLOT0) & ~self.is_cookie

    @property
    def shared(self) -> Column:
        return self.slot.isin(SLOT_SHARED_DEVICE, SLOT_CTV, SLOT_IP)

    def by(self, *values: Column) -> Column:
        """The value for the slot's kind: email, mobile ad id, shared device, ctv, ip, personal
        device, cookie."""
        email, maid, shared_device, ctv, ip, device, cookie = values
        slot = self.slot
        return (
            F.when(slot == SLOT_EMAIL, email)
            .when(slot == SLOT_MAID, maid)
            .when(slot == SLOT_SHARED_DEVICE, shared_device)
            .when(slot == SLOT_CTV, ctv)
            .when(slot == SLOT_IP, ip)
            .when(~self.is_cookie, device)
            .otherwise(cookie)
        )


def _person_values(spec: GenerationSpec, person: Person, window: Window) -> dict[str, Column]:
    """The identifier values and times (seconds) a person's rows share, whatever the slot."""
    seed = spec.seed
    iid, hid = person.individual_id, person.household_id
    last = F.lit(window.seconds - 1)
    email_first = F.floor(rng.uniform(seed, "identity.email_first", iid) * window.first_seconds)
    email_last = email_first + F.floor(
        rng.uniform(seed, "identity.email_last", iid) * (F.lit(window.seconds) - email_first)
    )
    edge = window.first_seconds * IP_EDGE_SHARE
    return {
        "email_hash": email_hash(seed, iid),
        "mobile_ad_id": mobile_ad_id(seed, iid),
        "shared_device_id": shared_device_id(seed, hid),
        "ctv_id": ctv_id(seed, hid),
        "ip_address": ip_address(seed, hid),
        "email_first": email_first,
        "email_last": email_last,
        "ip_first": F.floor(rng.uniform(seed, "identity.ip_first", hid) * edge),
        "ip_last": last - F.floor(rng.uniform(seed, "identity.ip_last", hid) * edge),
    }


def _columns(
    spec: GenerationSpec,
    person: Person,
    window: Window,
    slot: Column,
    values: dict[str, Column] | None = None,
) -> dict[str, Column]:
    """The table's columns for the rows of mapping slots (< MAPPING_SLOTS) as spec_version 1
    generates them, first_seen and last_seen in seconds from the window's start; ``values``:
    the person's ``_person_values`` (computed here when not given)."""
    seed = spec.seed
    iid, hid = person.individual_id, person.household_id
    value = values or _person_values(spec, person, window)
    at = _Slot(slot)
    j, b, k = at.j, at.b, at.k
    device_type = person.device_type(j, person.device_count())
    last = F.lit(window.seconds - 1)
    email_first, email_last = value["email_first"], value["email_last"]
    ip_first, ip_last = value["ip_first"], value["ip_last"]
    cookie_start = _cookie_start(person, window, b, k)
    cookie_first = F.greatest(cookie_start, F.lit(0))
    cookie_last = F.least(cookie_start + person.lifetime(b, window) - 1, last)
    zero = F.lit(0)
    return {
        "mapping_id": ids.mapping_id(iid, slot),
        "individual_id": F.col("individual_id"),
        "household_id": F.col("household_id"),
        "identifier_type": at.by(
            F.lit("email_hash"),
            F.lit("mobile_ad_id"),
            F.lit("device_id"),
            F.lit("ctv_id"),
            F.lit("ip_address"),
            F.lit("device_id"),
            F.lit("cookie"),
        ),
        "identifier_value": at.by(
            value["email_hash"],
            value["mobile_ad_id"],
            value["shared_device_id"],
            value["ctv_id"],
            value["ip_address"],
            personal_device_id(
                seed, iid, F.when(device_type == "tablet", F.lit(TABLET_KEY)).otherwise(j)
            ),
            cookie_id(seed, iid, b, k),
        ),
        "device_type": at.by(
            F.lit(None).cast("string"),
            F.lit("mobile"),
            F.lit(SHARED_DEVICE_TYPE),
            F.lit("ctv"),
            F.lit(None).cast("string"),
            device_type,
            element(list(BROWSERS), b),
        ),
        "is_household_shared": at.shared,
        "true_owner_individual_id": F.when(at.shared, ids.individual_id(hid, F.lit(0))).otherwise(
            iid
        ),
        "first_seen": at.by(email_first, zero, zero, zero, ip_first, zero, cookie_first),
        "last_seen": at.by(email_last, last, last, last, ip_last, last, cookie_last),
    }


def _noisy_mappings(
    noise: identity_noise.Noise,
    person: Person,
    window: Window,
    individuals_df: DataFrame,
    slots: Column,
) -> DataFrame:
    """The table with noise (``identity_noise``): the rows of spec_version 1 with lease,
    handoff and transfer times, plus each household's later leases and each person's network
    rows; then each transferred device's next-owner row and each wrong probabilistic link's
    twin; and the truth and link columns."""
    iid, hid = person.individual_id, person.household_id
    age = F.col("age")
    people = individuals_df.select(
        "individual_id",
        "household_id",
        "age",
        "household_size",
        "employment_status",
        "state",
        F.struct(*(c.alias(n) for n, c in noise.lease_plan(hid).items())).alias("_lease"),
        noise.work_network(iid, age, F.col("employment_status")).alias("_work"),
    )
    values = _person_values(noise.spec, person, window)
    people = people.select(
        "*",
        *(column.alias(f"_value_{name}") for name, column in values.items()),
        *(
            noise.network_ip(kind, iid, hid, F.col("state")).alias(f"_{name}_ip")
            for name, kind in (
                ("work", F.col("_work")),
                ("public_wifi", F.lit("public_wifi")),
                ("carrier_nat", F.lit("carrier_nat")),
            )
        ),
    )
    adult = age >= MIN_PERSONAL_ID_AGE
    leases = noise.lease_count(F.col("_lease")).cast("int")
    virtual = identity_noise.virtual_slot
    extra = F.concat(
        _slots_if(
            person.household("ip_address") & (leases > 1),
            virtual(identity_noise.LEASE_SLOT0 + 1),
            leases - 1,
        ),
        _slots_if(F.col("_work").isNotNull(), virtual(identity_noise.NETWORK_SLOT["work"])),
        _slots_if(
            adult & noise.on_public_wifi(iid), virtual(identity_noise.NETWORK_SLOT["public_wifi"])
        ),
        _slots_if(
            adult & person.has("mobile_ad_id") & noise.behind_nat(iid),
            virtual(identity_noise.NETWORK_SLOT["carrier_nat"]),
        ),
    )
    rows = people.select("*", F.explode(F.concat(slots, extra)).alias("slot"))
    values = {name: F.col(f"_value_{name}") for name in values}
    decided = _noisy_decisions(noise, person, window, rows, values)
    copies = F.concat(
        F.array(F.lit(0)),
        F.when(F.col("_next_owner").isNotNull(), F.array(F.lit(1))).otherwise(_empty()),
        F.when(F.col("_wrong_to").isNotNull(), F.array(F.lit(2))).otherwise(_empty()),
    )
    rows = decided.select("*", F.explode(copies).alias("_copy"))
    return rows.select(*_noisy_row(noise, window))


def _noisy_decisions(
    noise: identity_noise.Noise,
    person: Person,
    window: Window,
    rows: DataFrame,
    values: dict[str, Column],
) -> DataFrame:
    """Per row (slot): the columns spec_version 1 would give it (``_base_*``) and every noise
    draw it needs (lease bounds, cookie handoffs, link source, the next owner of a transferred
    device, the target of a wrong twin), each computed once. ``_noisy_row`` combines them
    after the copies are exploded: the two halves' code in one method would exceed the JVM's
    64 KB limit."""
    spec = noise.spec
    iid, hid, size = person.individual_id, person.household_id, F.col("household_size")
    slot = F.col("slot")
    virtual = slot >= MAPPING_SLOTS
    # a noise slot's row is built from its own values: its base (any mapping slot) is unused
    base = _columns(spec, person, window, F.when(virtual, F.lit(SLOT_IP)).otherwise(slot), values)
    at = _Slot(slot)
    noise_slot = slot - F.lit(MAPPING_SLOTS)
    lease_row = (slot == SLOT_IP) | (noise_slot >= identity_noise.LEASE_SLOT0)
    lease_k = (
        F.when(slot == SLOT_IP, F.lit(0))
        .otherwise(noise_slot - F.lit(identity_noise.LEASE_SLOT0))
        .cast("long")
    )
    start, end, reason = noise.lease_bounds(F.col("_lease"), lease_k)
    network, network_ip = (
        F.when(noise_slot == identity_noise.NETWORK_SLOT["work"], F.col(f"_work{suffix}"))
        .when(
            noise_slot == identity_noise.NETWORK_SLOT["public_wifi"],
            F.lit("public_wifi") if suffix == "" else F.col(f"_public_wifi{suffix}"),
        )
        .otherwise(F.lit("carrier_nat") if suffix == "" else F.col(f"_carrier_nat{suffix}"))
        for suffix in ("", "_ip")
    )
    b, k = at.b, at.k
    cookie = at.is_cookie & ~virtual
    lifetime = person.lifetime(b, window)
    home = person.household("ip_address")
    device_type = person.device_type(at.j, person.device_count())
    transfer_at = F.when(
        at.is_device & ~virtual & device_type.isin("mobile", "desktop"),
        noise.transfer_at(iid, at.j),
    )
    next_owner = F.when(transfer_at.isNotNull(), noise.next_owner(iid, at.j, hid, size))
    ctv = slot == SLOT_CTV
    linkable = ~virtual & (ctv | (slot == SLOT_MAID) | at.is_device | at.is_cookie)
    # a household's CTV id is linked once, a browser's cookies together, the rest one by one
    key = (
        F.when(ctv, identity_noise.household_key(hid))
        .when(cookie, ids.mapping_id(iid, _cookie_slot(b, F.lit(0))))
        .otherwise(ids.mapping_id(iid, slot))
    )
    source = F.when(linkable, noise.link_source(key)).otherwise(F.lit("observed"))
    probabilistic = source == "probabilistic_match"
    row_key = ids.mapping_id(iid, slot)
    member = iid - hid * F.lit(MEMBER_SLOTS)
    wrong_to = F.when(
        probabilistic & noise.has_wrong_twin(key) & (~ctv | (member == 0)),
        noise.wrong_person(key, iid, hid, size, personal=~ctv),
    )
    return rows.select(
        "individual_id",
        "household_id",
        "slot",
        *(column.alias(f"_base_{name}") for name, column in base.items()),
        virtual.alias("_virtual"),
        lease_row.alias("_lease_row"),
        lease_k.alias("_lease_k"),
        start.alias("_start"),
        end.alias("_end"),
        reason.alias("_reason"),
        network.alias("_network"),
        network_ip.alias("_network_ip"),
        cookie.alias("_cookie"),
        k.alias("_k"),
        F.when(cookie, _cookie_start(person, window, b, k)).alias("_cookie_start"),
        F.when(cookie, lifetime).alias("_lifetime"),
        F.when(cookie, F.greatest(noise.handoff(iid, b, k, lifetime, home), F.lit(0))).alias(
            "_gap"
        ),
        F.when(cookie, F.greatest(-noise.handoff(iid, b, k + 1, lifetime, home), F.lit(0))).alias(
            "_overlap"
        ),
        F.when(next_owner.isNotNull(), transfer_at).alias("_transfer_at"),
        next_owner.alias("_next_owner"),
        source.alias("_source"),
        F.when(probabilistic, noise.confidence(row_key, wrong=False)).alias("_confidence"),
        wrong_to.alias("_wrong_to"),
        F.when(wrong_to.isNotNull(), noise.confidence(row_key, wrong=True)).alias(
            "_wrong_confidence"
        ),
    )


def _noisy_row(noise: identity_noise.Noise, window: Window) -> list[Column]:
    """The table's columns of a row of ``_noisy_decisions`` and its copy (``_copy``): 0 the
    row itself, 1 a transferred device's next-owner row, 2 a wrong twin."""
    col = F.col
    iid, hid, slot, copy = col("individual_id"), col("household_id"), col("slot"), col("_copy")
    moved, wrong = copy == 1, copy == 2
    last = F.lit(window.seconds - 1).cast("long")
    lease_row, virtual, cookie = col("_lease_row"), col("_virtual"), col("_cookie")
    start, end = col("_start"), col("_end")
    cookie_start, lifetime = col("_cookie_start"), col("_lifetime")
    transfer_at = col("_transfer_at")
    transferred = transfer_at.isNotNull()
    overlap = F.when(end < window.seconds, noise.lease_overlap(hid, col("_lease_k")))
    first = (
        F.when(moved, transfer_at)
        .when(lease_row, start)
        .when(virtual, F.lit(0))
        .when(cookie, F.least(F.greatest(cookie_start, F.lit(0)) + col("_gap"), last))
        .otherwise(col("_base_first_seen"))
    )
    seen_last = (
        F.when(moved, last)
        .when(lease_row, F.least(end - 1 + F.coalesce(overlap, F.lit(0)), last))
        .when(virtual, last)
        .when(cookie, F.least(cookie_start + lifetime - 1 + col("_overlap"), last))
        .when(transferred, transfer_at - 1)
        .otherwise(col("_base_last_seen"))
    )
    valid_from = (
        F.when(moved, transfer_at)
        .when(lease_row, start)
        .when(cookie, F.greatest(cookie_start, F.lit(0)))
        .otherwise(F.lit(0))
    )
    valid_to = (
        F.when(moved, last)
        .when(lease_row, end - 1)
        .when(cookie, F.least(cookie_start + lifetime - 1, last))
        .when(transferred, transfer_at - 1)
        .otherwise(last)
    )
    person = F.when(moved, col("_next_owner")).when(wrong, col("_wrong_to")).otherwise(iid)
    household = F.when(moved | wrong, ids.household_of(person)).otherwise(hid)
    owner = (
        F.when(moved, person)
        .when(virtual & lease_row, ids.individual_id(hid, F.lit(0)))
        .when(virtual, iid)
        .otherwise(col("_base_true_owner_individual_id"))
    )
    columns = {
        "mapping_id": F.when(
            moved,
            ids.noise_mapping_id(iid, F.lit(identity_noise.TRANSFER_SLOT0 - DEVICE_SLOT0) + slot),
        )
        .when(wrong, ids.noise_mapping_id(iid, F.lit(identity_noise.WRONG_SLOT0) + slot))
        .when(virtual, ids.noise_mapping_id(iid, slot - F.lit(MAPPING_SLOTS)))
        .otherwise(col("_base_mapping_id")),
        "individual_id": person,
        "household_id": household,
        "identifier_type": F.when(virtual, F.lit("ip_address")).otherwise(
            col("_base_identifier_type")
        ),
        "identifier_value": F.when(virtual & lease_row, noise.lease_ip(hid, col("_lease_k")))
        .when(virtual, col("_network_ip"))
        .otherwise(col("_base_identifier_value")),
        "device_type": F.when(virtual, F.lit(None).cast("string")).otherwise(
            col("_base_device_type")
        ),
        "is_household_shared": F.when(virtual, lease_row).otherwise(
            ~moved & col("_base_is_household_shared")
        ),
        "true_owner_individual_id": owner,
        "first_seen": _timestamp(window, first),
        "last_seen": _timestamp(window, seen_last),
        "link_source": F.when(moved, F.lit("observed"))
        .when(wrong, F.lit("probabilistic_match"))
        .otherwise(col("_source")),
        "match_confidence": F.when(wrong, col("_wrong_confidence")).otherwise(
            F.coalesce(F.when(~moved, col("_confidence")), F.lit(1.0))
        ),
        "is_wrong_link": wrong,
        "true_household_id": F.when(moved, household).otherwise(hid),
        "true_network_type": F.when(lease_row, F.lit("residential")).when(virtual, col("_network")),
        "true_valid_from": F.when(~wrong, _timestamp(window, valid_from)),
        "true_valid_to": F.when(~wrong, _timestamp(window, valid_to)),
        "true_change_reason": F.when(
            moved,
            F.when(household == hid, F.lit("device_passed_on")).otherwise(F.lit("device_sold")),
        )
        .when(wrong, F.lit(None).cast("string"))
        .when(lease_row, col("_reason"))
        .when(cookie & (col("_k") >= 1), F.lit("cookie_reset")),
    }
    return [column.alias(name) for name, column in columns.items()]


def _cookie_start(person: Person, window: Window, b: Column, k: Column) -> Column:
    """b_k = kL − φ: when cookie k of browser b starts (seconds, may be negative for k = 0)."""
    lifetime = person.lifetime(b, window)
    return k.cast("long") * lifetime - person.phase(b, lifetime)


def _timestamp(window: Window, seconds: Column) -> Column:
    return F.timestamp_seconds(F.lit(window.start) + seconds.cast("long"))


def spark_conf(spec: GenerationSpec) -> dict[str, str]:
    """With noise, the table's one stage (two explodes and the projections around them) fuses
    into a generated method too large for the JIT to make fast: per-operator code in small
    methods (``SMALL_METHODS_CONF``) writes it about three times faster (100,000 households,
    warm: 9 s against 30 s). Without noise the fused stage is the faster one."""
    return {} if identity_noise.Noise.of(spec) is None else dict(SMALL_METHODS_CONF)


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
    rows = people * (shared + adult_share * personal)
    noise = identity_noise.Noise.of(spec)
    if noise is None:
        return rows
    linkable = rates.get("cookie", 0.0) * browsers * _mean_cookies(spec) + (
        rates.get("mobile_ad_id", 0.0) + rates.get("device_id", 0.0) * device_mean
    )
    return rows + noise.expected_rows(
        people, rates.get("ip_address", 0.0), people * adult_share * linkable
    )


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
