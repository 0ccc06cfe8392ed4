"""Identity-graph noise (``demographics.identity.noise``, spec_version 2): shared networks, churn
and third-party links, set by a difficulty preset whose rates any field may override.

Each field left out (null) takes the value of ``preset``; ``resolved()`` returns every rate
explicit (``NoiseRates``). ``easy`` is no noise at all: the identity graph of spec_version 1. The
rates of ``realistic`` and ``hard`` are stated assumptions, informed by the sources in
docs/spec.md#identity-noise:

| field | unit | easy | realistic | hard |
|---|---|---:|---:|---:|
| networks.workplace | share of employed people 16+ seen on their workplace's network | 0 | 0.5 | 0.7 |
| networks.campus | share of students seen on a campus network | 0 | 0.6 | 0.85 |
| networks.public_wifi | share of people 13+ seen on a public Wi-Fi network | 0 | 0.2 | 0.3 |
| networks.carrier_nat | share of people 13+ with a mobile ad id seen through carrier NAT | 0 | 0.6 | 0.9 |
| networks.people_per_network | mean people of the world per workplace or public network | 1 | 40 | 25 |
| networks.ip_only_event_share | share of browser events identified by their IP address alone | 0 | 0.1 | 0.25 |
| churn.ip_lease_days | mean days a residential IP address lasts (0: the whole window) | 0 | 60 | 10 |
| churn.move_rate_per_year | share of households moving per year | 0 | 0.09 | 0.2 |
| churn.device_transfer_rate_per_year | share of personal phones and computers changing owner per year | 0 | 0.1 | 0.2 |
| churn.handoff_hours | largest gap or overlap (hours) between consecutive cookies or IP leases | 0 | 24 | 72 |
| links.deterministic_share | share of linkable identifiers linked by a deterministic match | 0 | 0.15 | 0.1 |
| links.probabilistic_share | share of linkable identifiers linked by a probabilistic match | 0 | 0.2 | 0.25 |
| links.wrong_share | share of probabilistic links that point at the wrong person | 0 | 0.1 | 0.15 |
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

from pydantic import Field, model_validator

from generators.spec.base import FiniteFloat, Strict, fail

Preset = Literal["easy", "realistic", "hard"]
PRESETS: tuple[str, ...] = ("easy", "realistic", "hard")


@dataclass(frozen=True)
class NoiseRates:
    """Every noise rate, explicit (see the module table for units)."""

    workplace: float
    campus: float
    public_wifi: float
    carrier_nat: float
    people_per_network: float
    ip_only_event_share: float
    ip_lease_days: float
    move_rate_per_year: float
    device_transfer_rate_per_year: float
    handoff_hours: float
    deterministic_share: float
    probabilistic_share: float
    wrong_share: float

    @property
    def is_none(self) -> bool:
        """No noise at all: the graph is the one spec_version 1 generates."""
        return all(
            getattr(self, f.name) == 0 for f in fields(self) if f.name != "people_per_network"
        )

    @property
    def has_networks(self) -> bool:
        return any((self.workplace, self.campus, self.public_wifi, self.carrier_nat))


PRESET_RATES: dict[str, NoiseRates] = {
    "easy": NoiseRates(0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0),
    "realistic": NoiseRates(0.5, 0.6, 0.2, 0.6, 40, 0.1, 60, 0.09, 0.1, 24, 0.15, 0.2, 0.1),
    "hard": NoiseRates(0.7, 0.85, 0.3, 0.9, 25, 0.25, 10, 0.2, 0.2, 72, 0.1, 0.25, 0.15),
}


def _share(description: str) -> object:
    return Field(default=None, ge=0, le=1, description=description + " Null: the preset's value.")


class NetworkNoise(Strict):
    """Networks many households are seen on: workplaces, campuses, public Wi-Fi, carrier NAT."""

    workplace: FiniteFloat | None = _share(
        "Share (0-1) of employed people 16+ seen on their workplace's network, on weekdays "
        "9:00-17:00 (realistic 0.5, hard 0.7)."
    )
    campus: FiniteFloat | None = _share(
        "Share (0-1) of students seen on a campus network, on weekdays 9:00-17:00 (realistic "
        "0.6, hard 0.85)."
    )
    public_wifi: FiniteFloat | None = _share(
        "Share (0-1) of people 13+ seen on a public Wi-Fi network (cafés, airports, libraries) "
        "in the window (realistic 0.2, hard 0.3)."
    )
    carrier_nat: FiniteFloat | None = _share(
        "Share (0-1) of people 13+ with a mobile ad id (a phone) whose cellular traffic leaves "
        "through a carrier-grade NAT address shared by many users (realistic 0.6, hard 0.9)."
    )
    people_per_network: FiniteFloat | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Mean people of the generated world per workplace or public Wi-Fi network "
        "(campus networks hold 3 times as many, carrier NAT addresses 4 times); sizes are "
        "heavy-tailed, smaller networks look more like households (realistic 40, hard 25). "
        "Null: the preset's value.",
    )
    ip_only_event_share: FiniteFloat | None = _share(
        "Share (0-1) of browser events (desktop and mobile web) identified by the IP address "
        "they came from instead of a cookie, e.g. where third-party cookies are blocked "
        "(realistic 0.1, hard 0.25)."
    )


class ChurnNoise(Strict):
    """Identifiers that change over the window: IP leases, moves, devices changing hands."""

    ip_lease_days: FiniteFloat | None = Field(
        default=None,
        ge=0,
        le=3650,
        description="Mean days a household's residential IP address lasts before the ISP "
        "assigns another (each lease ±50%); 0 keeps one address for the whole window "
        "(realistic 60, hard 10). Null: the preset's value.",
    )
    move_rate_per_year: FiniteFloat | None = Field(
        default=None,
        ge=0,
        le=2,
        description="Share of households moving per year (at most one move in the window): a "
        "new IP address from the moving day, the same people (realistic 0.09, hard 0.2). "
        "Null: the preset's value.",
    )
    device_transfer_rate_per_year: FiniteFloat | None = Field(
        default=None,
        ge=0,
        le=2,
        description="Share of personal phones and computers changing owner per year: passed "
        "on to another household member or sold to another household, seen with the new owner "
        "from that day (realistic 0.1, hard 0.2). Null: the preset's value.",
    )
    handoff_hours: FiniteFloat | None = Field(
        default=None,
        ge=0,
        le=168,
        description="Largest gap or overlap in hours between a browser's consecutive cookies "
        "(drawn uniformly in ±this), and largest overlap of consecutive IP leases; 0 hands "
        "over exactly one second apart (realistic 24, hard 72). Null: the preset's value.",
    )


class LinkNoise(Strict):
    """Third-party links: how cookies, mobile ad ids, device ids and CTV ids were linked."""

    deterministic_share: FiniteFloat | None = _share(
        "Share (0-1) of cookies, mobile ad ids, personal device ids and CTV ids linked to their "
        "person by a deterministic match (e.g. a login elsewhere) instead of being observed "
        "(realistic 0.15, hard 0.1)."
    )
    probabilistic_share: FiniteFloat | None = _share(
        "Share (0-1) of the same identifiers linked by a probabilistic match, with a match "
        "confidence (realistic 0.2, hard 0.25)."
    )
    wrong_share: FiniteFloat | None = Field(
        default=None,
        ge=0,
        le=0.9,
        description="Share (0-0.9) of probabilistic links that point at the wrong person: half "
        "of them at another member of the household, half at a person of another household "
        "(realistic 0.1, hard 0.15). Null: the preset's value.",
    )


class IdentityNoiseSpec(Strict):
    """How hard the identity graph is to resolve: a preset, and any rate overridden."""

    preset: Preset = Field(
        default="realistic",
        description="Difficulty: easy (no noise: every identifier belongs to one household, "
        "the graph of spec_version 1), realistic (shared networks, IP churn, moves, devices "
        "changing hands, some wrong third-party links) or hard (more of each). Fields below "
        "left null take the preset's value.",
    )
    networks: NetworkNoise = Field(default_factory=NetworkNoise)
    churn: ChurnNoise = Field(default_factory=ChurnNoise)
    links: LinkNoise = Field(default_factory=LinkNoise)

    def resolved(self) -> NoiseRates:
        """Every rate: the field where given, else the preset's."""
        preset = PRESET_RATES[self.preset]
        given = {
            name: value
            for group in (self.networks, self.churn, self.links)
            for name, value in group.model_dump().items()
            if value is not None
        }
        values = {f.name: given.get(f.name, getattr(preset, f.name)) for f in fields(preset)}
        return NoiseRates(**values)

    @model_validator(mode="after")
    def _consistent(self) -> IdentityNoiseSpec:
        rates = self.resolved()
        if rates.deterministic_share + rates.probabilistic_share > 1:
            raise fail(
                "links.probabilistic_share",
                f"deterministic ({rates.deterministic_share:g}) and probabilistic "
                f"({rates.probabilistic_share:g}) shares add up to more than 1; lower one of them",
            )
        if 0 < rates.ip_lease_days < 1:
            raise fail(
                "churn.ip_lease_days",
                f"{rates.ip_lease_days:g} days is shorter than a day; use 0 (no renewal) or at "
                "least 1",
            )
        return self
