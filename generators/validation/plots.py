"""PNG plots of the statistical checks (matplotlib, Agg backend), drawn from each check's
``data``; a plot whose check is absent is not drawn. Returns the file names written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from generators.validation.model import Check

DPI = 110
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def write_plots(checks: Sequence[Check], folder: Path) -> list[str]:
    """Every plot whose check is present, written into ``folder``; the file names."""
    by_name = {c.name: c for c in checks}
    written = []
    for file, check_name, draw in PLOTS:
        check = by_name.get(check_name)
        if check is None or not check.data:
            continue
        fig, ax = plt.subplots(figsize=(8, 4.2))
        try:
            draw(ax, check)
            ax.set_title(f"{check.name} [{check.verdict}]")
            fig.tight_layout()
            fig.savefig(folder / file, dpi=DPI)
        finally:
            plt.close(fig)
        written.append(file)
    return written


def _bars(ax, labels: Sequence[object], target: Sequence[float], observed: Sequence[float]) -> None:
    positions = range(len(labels))
    width = 0.4
    ax.bar([p - width / 2 for p in positions], target, width, label="target", color="#9ab")
    ax.bar([p + width / 2 for p in positions], observed, width, label="observed", color="#d62")
    ax.set_xticks(list(positions), [str(x) for x in labels], rotation=0)
    ax.set_ylabel("share")
    ax.legend()


def _shares(ax, check: Check) -> None:
    _bars(ax, check.data["labels"], check.data["target"], check.data["observed"])


def _household_size(ax, check: Check) -> None:
    _bars(ax, check.data["sizes"], check.data["target"], check.data["observed"])
    ax.set_xlabel("persons per household")


def _weekdays(ax, check: Check) -> None:
    labels = [WEEKDAYS[d - 1] for d in check.data["labels"]]
    _bars(ax, labels, check.data["target"], check.data["observed"])


def _hours(ax, check: Check) -> None:
    hours = check.data["labels"]
    ax.plot(hours, check.data["target"], marker="o", label="target", color="#9ab")
    ax.plot(hours, check.data["observed"], marker=".", label="observed", color="#d62")
    ax.set_xlabel("hour of day (UTC)")
    ax.set_ylabel("share of events")
    ax.set_xticks(list(range(0, 24, 2)))
    ax.legend()


def _tail(ax, check: Check) -> None:
    ax.loglog(check.data["x"], check.data["target_ccdf"], color="#9ab", label="configured")
    ax.loglog(
        check.data["x"],
        check.data["ccdf"],
        marker="o",
        linestyle="none",
        color="#d62",
        label="observed",
    )
    ax.legend()
    ax.set_xlabel("events per active individual (log)")
    ax.set_ylabel("share with at least x events (log)")
    ax.grid(True, which="both", alpha=0.3)


def _reach_frequency(ax, check: Check) -> None:
    rows = check.data["campaigns"]
    ids = [str(r["campaign_id"]) for r in rows]
    ax.bar(ids, [r["reach"] for r in rows], color="#d62", label="observed reach")
    ax.axhline(check.data["target_reach"], color="#333", linestyle="--", label="target reach")
    ax.set_xlabel("campaign")
    ax.set_ylabel("share of eligible non-holdout people reached")
    twin = ax.twinx()
    twin.plot(ids, [r["frequency"] for r in rows], marker="o", color="#36a", label="mean frequency")
    twin.set_ylabel("mean exposures per reached person")
    ax.legend(loc="upper left")
    twin.legend(loc="upper right")


def _lift(ax, check: Check) -> None:
    rows = check.data["campaigns"]
    ids = [str(r["campaign_id"]) for r in rows]
    diffs = [r["observed_lift"] for r in rows]
    errors = [
        [d - r["ci_low"] for d, r in zip(diffs, rows, strict=True)],
        [r["ci_high"] - d for d, r in zip(diffs, rows, strict=True)],
    ]
    ax.errorbar(
        ids, diffs, yerr=errors, fmt="o", color="#d62", capsize=3, label="observed ± 95% CI"
    )
    ax.scatter(
        ids,
        [r["true_lift"] for r in rows],
        marker="x",
        color="#333",
        zorder=3,
        label="planted lift",
    )
    ax.axhline(0, color="#999", linewidth=0.8)
    ax.set_xlabel("campaign")
    ax.set_ylabel("conversion rate: reached − holdout")
    ax.legend()


PLOTS: tuple[tuple[str, str, Callable[..., None]], ...] = (
    ("household_size.png", "dist:households.household_size", _household_size),
    ("age_mix.png", "mix:individuals.householder_age", _shares),
    ("events_per_individual_tail.png", "tail:content_engagements.events_per_individual", _tail),
    ("hour_of_day.png", "season:content_engagements.hour", _hours),
    ("day_of_week.png", "season:content_engagements.day_of_week", _weekdays),
    ("reach_frequency.png", "reach:campaign_exposures", _reach_frequency),
    ("lift.png", "lift:campaign_ground_truth", _lift),
)
