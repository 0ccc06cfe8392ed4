"""The noise of the identity graph (``demographics.identity.noise``, spec_version 2), as pure
Column functions of (seed, keys): what ``identity_mappings`` adds to the graph and which
identifier ``identity_mappings.event_identifier`` gives an event. None of it runs under ``easy``
(``NoiseRates.is_none``): the graph is then exactly the graph of spec_version 1.

Rows a noisy graph adds get ``ids.noise_mapping_id(individual_id, slot)`` (2⁶¹ + individual_id ×
2¹⁶ + slot), in the id space of the row's true owner (for a wrong link: the person the identifier
really belongs to; for a device's next owner: its previous owner):

| noise slot | row |
|---|---|
| s (< 256) | a wrong probabilistic link of the identifier in mapping slot s |
| 256 + j | personal device j seen with its next owner |
| 288 / 289 / 290 | the person's workplace or campus / public Wi-Fi / carrier NAT address |
| 1024 + k | lease k ≥ 1 of the household's residential IP address (lease 0 is mapping slot 4) |

**Shared networks.** Employed people 16+ are seen on a workplace network with probability
``networks.workplace``, students on a campus network (``campus``), people 13+ on public Wi-Fi
(``public_wifi``) and people 13+ with a mobile ad id (a phone) behind a carrier NAT address
(``carrier_nat``). A network is a pool drawn from the person's key within its scope: the block
of BLOCK_HOUSEHOLDS[kind] consecutive households and the Census region of the person's state
(REGIONS: scopes large enough that networks are not as small as households only because few
people of a small state share a block). A world smaller than a block has proportionally smaller
networks (its households are the block's first ones, as at any count). A scope holds
``M = max(1, round(expected members / (people_per_network × SIZE_FACTOR[kind])))`` networks of a
kind, expected members computed from the spec (mean household size, age mix, employment mix,
rate), and the person's is ``floor(M × u^SIZE_SKEW)``: low-numbered networks are large, the
others small, so sizes are heavy-tailed with the configured mean. Its address hashes (seed,
kind, block, region, network) onto NETWORK_OCTETS; addresses of two networks coincide with
probability 2⁻²⁸ per pair. Household ids, and so blocks, never change with ``households.count``,
so networks are the same at any count (appends included).

**Residential leases.** A household with an ip_address renews it every L seconds (L uniform in
``ip_lease_days`` ±LEASE_SPREAD, phase φ uniform in [0, L)); lease k covers
[kL − φ, (k+1)L − φ). A household moves at ``t_m`` ~ exponential with mean
``1 / move_rate_per_year`` years from the window's start (it moves if that falls inside the
window): its leases stop at t_m and start afresh with a new L (phase 0). Lease 0 keeps the value
of spec_version 1 (``identity_mappings.ip_address``); lease k ≥ 1 gets a 31-bit bijection of
``household_id × MAX_LEASES + k − 1`` onto LEASE_OCTETS (unique for household ids < 2²⁴ and
k ≤ MAX_LEASES; residential, lease and network octets are disjoint, so values never clash across
kinds). Every member has a row per lease, seen from its start to its end plus an overlap uniform
in [0, ``handoff_hours``] (devices renew at different times).

**Cookie handoffs.** Cookie k ≥ 1 of a browser starts at b_k = kL − φ (as without noise) with a
handoff d_k uniform in ±``handoff_hours`` (at most L/4; only overlaps when the household has no
IP address): d_k > 0 is a gap (the cookie is first seen at b_k + d_k; the browser's events in
the gap are identified by IP address), d_k < 0 an overlap (the previous cookie is last seen
−d_k seconds after b_k).

**IP-identified events.** A browser event (desktop, or mobile web) in a cookie gap, or drawn
with probability ``ip_only_event_share``, carries the IP address of the network it came from: a
mobile event through carrier NAT (if the person is behind one) with probability CELLULAR_SHARE;
else, on weekdays WORK_HOURS (UTC), the person's workplace or campus network; else the public
Wi-Fi (if any) with probability PUBLIC_WIFI_EVENT_SHARE; else the household's lease at that
time. With none of these, the event keeps its cookie.

**Devices changing hands.** Each personal phone or computer (not the personal tablet, whose
events need one owner) changes owner at t ~ exponential with mean
``1 / device_transfer_rate_per_year`` years (if inside the window and after its first second):
sold (SOLD_SHARE) to the householder of one of the REACH households before its own, else passed
on to another member (drawn uniformly; possibly a child), whichever exists.

**Third-party links.** Each mobile ad id, personal device id, browser (all its cookies
alike) and household CTV id is linked by a ``deterministic_match`` (share ``deterministic_share``), a
``probabilistic_match`` (``probabilistic_share``, confidence uniform in CORRECT_CONFIDENCE) or
``observed``. A probabilistic link gets a wrong twin with probability w / (1 − w)
(w = ``wrong_share``), so that w of all probabilistic rows are wrong: the same identifier linked
to another member (WRONG_WITHIN_SHARE; personal identifiers only) or to the householder of one of
the REACH households before, with a confidence uniform in WRONG_CONFIDENCE: every cookie of a
wrongly linked browser points at the same wrong person (a vendor's mistake about a browser
repeats for its cookies). A CTV id's wrong twin comes from its householder's row only; each
row's confidence is its own draw.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.spec.capacity import MAPPING_SLOTS, MEMBER_SLOTS
from generators.spec.noise import NoiseRates
from generators.synth import ids, rng
from generators.synth.sampling import element, round_half_up
from generators.tables import individuals

SECONDS_PER_DAY = 86_400
SECONDS_PER_YEAR = 365 * SECONDS_PER_DAY
# Networks are shared within blocks of consecutive households: 1,024 (so that a world of a
# thousand households already has networks of their full size), 8,192 for the rarer campuses.
BLOCK_HOUSEHOLDS = {"workplace": 1024, "campus": 8192, "public_wifi": 1024, "carrier_nat": 1024}
# Census Bureau regions (https://www2.census.gov/geo/pdfs/maps-data/maps/reference/us_regdiv.pdf)
REGIONS = {
    "northeast": ("CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"),
    "midwest": ("IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"),
    "south": (
        *("DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV"),
        *("AL", "KY", "MS", "TN", "AR", "LA", "OK", "TX"),
    ),
    "west": ("AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR", "WA"),
}
REGION_OF = {state: region for region, states in REGIONS.items() for state in states}
NETWORK_KINDS = ("workplace", "campus", "public_wifi", "carrier_nat")
NETWORK_TYPES = ("residential", *NETWORK_KINDS)
SIZE_FACTOR = {"workplace": 1, "campus": 3, "public_wifi": 1, "carrier_nat": 4}
SIZE_SKEW = 2.0
LINK_SOURCES = ("observed", "deterministic_match", "probabilistic_match")
CHANGE_REASONS = (
    "cookie_reset",
    "ip_lease_renewed",
    "household_moved",
    "device_passed_on",
    "device_sold",
)
CORRECT_CONFIDENCE = (0.55, 1.0)
WRONG_CONFIDENCE = (0.3, 0.8)
WRONG_WITHIN_SHARE = 0.5
SOLD_SHARE = 0.5
REACH = 1024
LEASE_SPREAD = 0.5
MAX_LEASES = 128
NEVER = 2**40  # seconds: a lease that is never renewed, a move that never happens
WORK_HOURS = (9, 17)
CELLULAR_SHARE = 0.5
PUBLIC_WIFI_EVENT_SHARE = 0.1

WRONG_SLOT0, TRANSFER_SLOT0, LEASE_SLOT0 = 0, 256, 1024
NETWORK_SLOT = {"work": 288, "public_wifi": 289, "carrier_nat": 290}

# First octets: 206 public unicast values (11-223 without 100, 127, 169, 172, 192, 198, 203);
# every third of them (64) holds the residential addresses of spec_version 1, the next 128 the
# later leases, the remaining 14 the shared networks.
PUBLIC_OCTETS = tuple(o for o in range(11, 224) if o not in {100, 127, 169, 172, 192, 198, 203})
RESIDENTIAL_OCTETS = PUBLIC_OCTETS[::3][:64]
_OTHER_OCTETS = tuple(o for o in PUBLIC_OCTETS if o not in RESIDENTIAL_OCTETS)
LEASE_OCTETS = _OTHER_OCTETS[:128]
NETWORK_OCTETS = _OTHER_OCTETS[128:]
IP_MIX = (0x85EBCA6B, 0xC2B2AE35)  # odd multipliers (murmur3 fmix32 constants), < 2^33


def ipv4(x: Column, bits: int, octets: tuple[int, ...], offset: int) -> Column:
    """Dotted IPv4 of a bijection of the low ``bits`` bits of ``x + offset``: the top
    ``bits - 24`` bits pick one of ``octets`` (2^(bits-24) of them), the low 24 the rest."""
    mask = F.lit((1 << bits) - 1)
    y = (x.cast("long") + F.lit(offset % (1 << bits))).bitwiseAND(mask)
    for shift, multiplier in ((15, IP_MIX[0]), (13, IP_MIX[1])):
        y = y.bitwiseXOR(F.shiftright(y, shift))
        y = (y * F.lit(multiplier)).bitwiseAND(mask)
    y = y.bitwiseXOR(F.shiftright(y, 16))
    first = element(list(octets), F.shiftright(y, 24).cast("int"))
    rest = [F.shiftright(y, s).bitwiseAND(F.lit(255)) for s in (16, 8, 0)]
    return F.concat_ws(".", *(o.cast("string") for o in (first, *rest)))


@dataclass(frozen=True)
class Noise:
    """The noise draws of a spec whose noise is not ``easy``; ``seconds`` is the window's length
    (W). Times are seconds from the window's start."""

    spec: GenerationSpec
    rates: NoiseRates
    seconds: int

    @classmethod
    def of(cls, spec: GenerationSpec) -> Noise | None:
        """The spec's noise, or None under ``easy``."""
        rates = spec.demographics.identity.noise.resolved()
        if rates.is_none:
            return None
        return cls(spec, rates, spec.engagement.window_days * SECONDS_PER_DAY)

    @property
    def seed(self) -> int:
        return self.spec.seed

    @property
    def handoff_seconds(self) -> int:
        return round(self.rates.handoff_hours * 3600)

    # ------------------------------------------------------------ shared networks

    def work_network(self, iid: Column, age: Column, employment: Column) -> Column:
        """``workplace`` or ``campus`` when the person is seen on one, else null."""
        u = rng.uniform(self.seed, "noise.network.work", iid)
        working_age = age >= individuals.EMPLOYMENT_MIN_AGE
        return F.when(
            working_age & (employment == "employed") & (u < self.rates.workplace), "workplace"
        ).when(working_age & (employment == "student") & (u < self.rates.campus), "campus")

    def on_public_wifi(self, iid: Column) -> Column:
        """The person (13+: the caller's condition) is seen on a public Wi-Fi network."""
        return rng.bernoulli(self.seed, "noise.network.public_wifi", iid, p=self.rates.public_wifi)

    def behind_nat(self, iid: Column) -> Column:
        """The person's phone (if they have a mobile ad id: the caller's condition) reaches the
        internet through a carrier NAT address."""
        return rng.bernoulli(self.seed, "noise.network.carrier_nat", iid, p=self.rates.carrier_nat)

    def network_ip(self, kind: Column, iid: Column, hid: Column, state: Column) -> Column:
        """The address of the person's network of ``kind`` (a NETWORK_KINDS label column)."""
        region = F.create_map(*(F.lit(v) for item in REGION_OF.items() for v in item))[state]
        counts = self.network_counts()
        networks = F.create_map(
            *(F.lit(v) for (k, r), count in counts.items() for v in (f"{k}|{r}", count))
        )
        count = networks[F.concat(kind, F.lit("|"), region)]
        u = rng.uniform(self.seed, "noise.network.member", iid, kind)
        number = F.floor(count * F.pow(u, F.lit(SIZE_SKEW))).cast("long")
        block = F.when(
            kind == "campus", F.shiftright(hid, BLOCK_HOUSEHOLDS["campus"].bit_length() - 1)
        ).otherwise(F.shiftright(hid, BLOCK_HOUSEHOLDS["workplace"].bit_length() - 1))
        h = rng.hash64(self.seed, "noise.network.ip", kind, block, region, number)
        octet = F.pmod(F.shiftright(h, 24), F.lit(len(NETWORK_OCTETS))).cast("int")
        first = element(list(NETWORK_OCTETS), octet)
        rest = [F.shiftright(h, s).bitwiseAND(F.lit(255)) for s in (16, 8, 0)]
        return F.concat_ws(".", *(o.cast("string") for o in (first, *rest)))

    def _expected_members(self) -> dict[str, float]:
        """Expected people per household seen on a network of each kind."""
        spec, rates = self.spec, self.rates
        ages = individuals.age_pmf(spec)
        people = spec.households.size.average
        over_16 = ages[individuals.EMPLOYMENT_MIN_AGE :].sum() / ages.sum()
        over_13 = ages[13:].sum() / ages.sum()
        maid = spec.demographics.identity.identifier_types.get("mobile_ad_id", 0)
        employment = spec.demographics.employment
        return {
            "workplace": people * over_16 * employment.get("employed", 0) * rates.workplace,
            "campus": people * over_16 * employment.get("student", 0) * rates.campus,
            "public_wifi": people * over_13 * rates.public_wifi,
            "carrier_nat": people * over_13 * maid * rates.carrier_nat,
        }

    def network_counts(self) -> dict[tuple[str, str], int]:
        """Networks per (kind, region) in a block: expected members / mean members."""
        spec, rates = self.spec, self.rates
        per_household = self._expected_members()
        weights = dict.fromkeys(REGIONS, 0.0)
        for state, weight in spec.households.states.items():
            weights[REGION_OF[state]] += weight
        return {
            (kind, region): max(
                1,
                round(
                    BLOCK_HOUSEHOLDS[kind]
                    * weight
                    * per_household[kind]
                    / (rates.people_per_network * SIZE_FACTOR[kind])
                ),
            )
            for kind in NETWORK_KINDS
            for region, weight in weights.items()
        }

    def expected_rows(self, people: float, ip_rate: float, linkable: float) -> float:
        """Rows noise adds to ``people`` people's graph, whose households have an IP address
        with probability ``ip_rate`` and who have ``linkable`` linkable identifiers in all:
        later leases (a row per member), network rows, wrong twins (CTV ids and devices
        changing hands add under 1%, left out)."""
        rates = self.rates
        days = self.seconds / SECONDS_PER_DAY
        renewals = days * math.log(3) / rates.ip_lease_days if rates.ip_lease_days else 0.0
        moves = 1 - math.exp(-rates.move_rate_per_year * days / 365)
        per_household = sum(self._expected_members().values())
        households = people / self.spec.households.size.average
        twins = rates.probabilistic_share * rates.wrong_share / (1 - rates.wrong_share)
        return people * ip_rate * (renewals + moves) + households * per_household + linkable * twins

    # ------------------------------------------------------------ residential leases

    def lease_plan(self, hid: Column) -> dict[str, Column]:
        """The household's lease schedule: lifetimes before (``la``, phase ``pa``) and after
        (``lb``) the move at ``tm`` (NEVER without one), and ``ka``, the leases before it."""
        la = self._lease_lifetime(hid, "noise.lease")
        pa = F.floor(rng.uniform(self.seed, "noise.lease_phase", hid) * la).cast("long")
        tm = F.lit(NEVER).cast("long")
        if self.rates.move_rate_per_year > 0:
            mean = SECONDS_PER_YEAR / self.rates.move_rate_per_year
            drawn = F.floor(rng.exponential(self.seed, "noise.move", hid, mean=mean))
            tm = F.least(drawn, F.lit(float(NEVER))).cast("long")
        lb = self._lease_lifetime(hid, "noise.lease_after_move")
        ka = F.floor((tm - 1 + pa) / la).cast("long") + 1
        return {"la": la, "pa": pa, "tm": tm, "lb": lb, "ka": ka}

    def _lease_lifetime(self, hid: Column, stream: str) -> Column:
        days = self.rates.ip_lease_days
        if days == 0:
            return F.lit(NEVER).cast("long")
        u = rng.uniform(self.seed, stream, hid)
        factor = F.lit(1 - LEASE_SPREAD) + u * F.lit(2 * LEASE_SPREAD)
        return round_half_up(factor * F.lit(days * SECONDS_PER_DAY)).cast("long")

    def lease_at(self, plan: Column, t: Column) -> Column:
        """The lease alive at ``t`` (``plan``: the struct of ``lease_plan``)."""
        before = F.floor((t + plan["pa"]) / plan["la"]).cast("long")
        after = plan["ka"] + F.floor((t - plan["tm"]) / plan["lb"]).cast("long")
        return F.when(t < plan["tm"], before).otherwise(after)

    def lease_count(self, plan: Column) -> Column:
        """Leases inside the window."""
        last = F.lit(self.seconds - 1).cast("long")
        return self.lease_at(plan, last) + 1

    def lease_bounds(self, plan: Column, k: Column) -> tuple[Column, Column, Column]:
        """(start, end, reason) of lease k: seconds [start, end) clipped to the window, and why
        it began (null for the first)."""
        moved = k >= plan["ka"]
        j = k - plan["ka"]
        start = F.when(moved, plan["tm"] + j * plan["lb"]).otherwise(k * plan["la"] - plan["pa"])
        end = F.when(moved, plan["tm"] + (j + 1) * plan["lb"]).otherwise(
            F.least((k + 1) * plan["la"] - plan["pa"], plan["tm"])
        )
        reason = (
            F.when(k == 0, F.lit(None).cast("string"))
            .when(moved & (j == 0), "household_moved")
            .otherwise("ip_lease_renewed")
        )
        return F.greatest(start, F.lit(0)), F.least(end, F.lit(self.seconds)), reason

    def lease_overlap(self, hid: Column, k: Column) -> Column:
        """Seconds lease k is still seen after it ended, uniform in [0, handoff]."""
        u = rng.uniform(self.seed, "noise.lease_overlap", hid, k)
        return F.floor(u * F.lit(float(self.handoff_seconds))).cast("long")

    def lease_ip(self, hid: Column, k: Column) -> Column:
        """The address of lease k ≥ 1."""
        x = hid.cast("long") * F.lit(MAX_LEASES) + k - 1
        return ipv4(x, 31, LEASE_OCTETS, address_offset(f"idgraph.ip.lease.{self.seed}"))

    def lease_ips(self, plan: Column, hid: Column) -> Column:
        """The addresses of leases 1 .. K-1 as an array (element k is lease k's), for events to
        pick from without recomputing them."""
        count = self.lease_count(plan)
        leases = F.when(count > 1, F.sequence(F.lit(1).cast("long"), count - 1)).otherwise(
            F.array().cast("array<bigint>")
        )
        return F.transform(leases, lambda k: self.lease_ip(hid, k))

    # ------------------------------------------------------------ cookie handoffs

    def handoff(self, iid: Column, b: Column, k: Column, lifetime: Column, home: Column) -> Column:
        """d_k in seconds for cookie k ≥ 1 (0 for k = 0): a gap when positive, an overlap when
        negative; at most a quarter of the lifetime, and never a gap without a home IP."""
        if self.handoff_seconds == 0:
            return F.lit(0).cast("long")
        spread = F.least(F.lit(self.handoff_seconds).cast("long"), F.floor(lifetime / 4))
        u = rng.uniform(self.seed, "noise.cookie_handoff", iid, b, k)
        d = F.floor((u * 2 - 1) * spread).cast("long")
        d = F.when(home, d).otherwise(F.least(d, F.lit(0)))
        return F.when(k >= 1, d).otherwise(F.lit(0).cast("long"))

    # ------------------------------------------------------------ third-party links

    def link_source(self, key: Column) -> Column:
        """observed, deterministic_match or probabilistic_match of a linkable identifier (keyed
        by its mapping id, or by ``household_key`` for a household's CTV id)."""
        u = rng.uniform(self.seed, "noise.link", key)
        deterministic = self.rates.deterministic_share
        probabilistic = deterministic + self.rates.probabilistic_share
        return (
            F.when(u < deterministic, "deterministic_match")
            .when(u < probabilistic, "probabilistic_match")
            .otherwise("observed")
        )

    def confidence(self, key: Column, wrong: bool) -> Column:
        low, high = WRONG_CONFIDENCE if wrong else CORRECT_CONFIDENCE
        stream = "noise.link.wrong_confidence" if wrong else "noise.link.confidence"
        return F.lit(low) + rng.uniform(self.seed, stream, key) * F.lit(high - low)

    def has_wrong_twin(self, key: Column) -> Column:
        """A probabilistic link (the caller's condition) also points at a wrong person."""
        w = self.rates.wrong_share
        return rng.bernoulli(self.seed, "noise.link.wrong", key, p=w / (1 - w))

    def wrong_person(self, key: Column, iid: Column, hid: Column, size: Column, personal: Column):
        """The person a wrong twin points at: another member (only for ``personal``
        identifiers) or another household's householder (null when neither exists)."""
        within = F.when(personal, F.lit(WRONG_WITHIN_SHARE)).otherwise(F.lit(0.0))
        return self._other_person("noise.link.wrong_person", key, iid, hid, size, within)

    # ------------------------------------------------------------ devices changing hands

    def transfer_at(self, iid: Column, j: Column) -> Column:
        """When personal device j changes owner (seconds), null if not inside the window."""
        rate = self.rates.device_transfer_rate_per_year
        if rate == 0:
            return F.lit(None).cast("long")
        mean = SECONDS_PER_YEAR / rate
        t = F.floor(rng.exponential(self.seed, "noise.transfer", iid, j, mean=mean))
        return F.when((t >= 1) & (t < F.lit(float(self.seconds))), t.cast("long"))

    def next_owner(self, iid: Column, j: Column, hid: Column, size: Column) -> Column:
        """Who gets personal device j: a householder of another household (SOLD_SHARE), else
        another member; null when neither exists."""
        key = ids.mapping_id(iid, j)
        within = F.lit(1 - SOLD_SHARE)
        return self._other_person("noise.transfer.owner", key, iid, hid, size, within)

    def _other_person(
        self, stream: str, key: Column, iid: Column, hid: Column, size: Column, within: Column
    ) -> Column:
        """Another member (probability ``within``, if there is one) or the householder of one
        of the REACH households before this one (if there is one); the other when the drawn
        one does not exist; null when neither does."""
        u = rng.uniform(self.seed, f"{stream}#member", key)
        v = rng.uniform(self.seed, f"{stream}#household", key)
        member = iid - hid * F.lit(MEMBER_SLOTS)
        step = F.floor(u * (size - 1)).cast("long")
        other_member = hid * F.lit(MEMBER_SLOTS) + F.pmod(member + 1 + step, size.cast("long"))
        reach = F.least(hid, F.lit(REACH))
        other_household = hid - 1 - F.floor(v * reach).cast("long")
        householder = ids.individual_id(other_household, F.lit(0))
        has_member, has_household = size >= 2, hid >= 1
        prefer_member = rng.bernoulli(self.seed, f"{stream}#within", key, p=within)
        return (
            F.when(prefer_member & has_member, other_member)
            .when(has_household, householder)
            .when(has_member, other_member)
        )


def household_key(hid: Column) -> Column:
    """A household's key for draws keyed like mapping ids: negative, so never a mapping id."""
    return -1 - hid


def virtual_slot(noise_slot: int | Column) -> Column:
    """A noise slot as one slot number with the mapping slots: MAPPING_SLOTS + noise slot."""
    return F.lit(MAPPING_SLOTS) + (
        noise_slot if isinstance(noise_slot, Column) else F.lit(noise_slot)
    )


def address_offset(label: str) -> int:
    """The offset of a family of addresses: 64 bits of the sha256 of ``label``."""
    return int.from_bytes(hashlib.sha256(label.encode()).digest()[:8], "big")
