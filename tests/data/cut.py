"""Cut the committed test slices out of the project's shared public series.

    python tests/data/cut.py            # (re)write the slices and their PROVENANCE.md
    python tests/data/cut.py --check    # fail if a committed file differs from a fresh cut

Reads ../shared/data (next to the repository), which a fresh clone does not have; the
tests only read what this writes. A slice holds the rows of the source whose `start`
lies on the given local days (the date written in `start`, in the series' own time
zone), copied unchanged, under the source's header `start,value`. Not part of the test
run.
"""
# ruff: noqa: INP001

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
import sys

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "data"
HEADER = "start,value\n"


@dataclass(frozen=True, slots=True)
class Slice:
    """The rows of `source` (in `folder`) on the local days first..last, as `name`."""

    folder: str
    source: str
    first: str
    last: str
    name: str
    used_by: str


EMHASS_LOAD = "load_no_deferrable_2024-02-29_2025-02-27_30min_kW.csv"
EMHASS_PV = "pv_2024-02-29_2025-02-27_30min_kW.csv"
EMHASS_PV_FORECAST = "pv_forecast_2024-02-29_2025-02-27_30min_kW.csv"
SE3_HOURLY = "price_SE3_2023-2024_hourly_EUR-MWh.csv"
DE_LU = "price_DE-LU_2022-2024_hourly_EUR-MWh.csv"
SE3_15MIN = "price_SE3_2025-10-01_15min_SEK-MWh.csv"


def _emhass(source: str, first: str, last: str, used_by: str) -> Slice:
    stem = source.removesuffix("_2024-02-29_2025-02-27_30min_kW.csv")
    days = first if first == last else f"{first}_{last}"
    return Slice(
        "emhass-household-fr",
        source,
        first,
        last,
        f"{stem}_{days}_30min_kW.csv",
        used_by,
    )


def _hourly(folder: str, source: str, first: str, last: str, used_by: str) -> Slice:
    area = source.split("_")[1]
    days = first if first == last else f"{first}_{last}"
    return Slice(
        folder, source, first, last, f"price_{area}_{days}_hourly_EUR-MWh.csv", used_by
    )


SLICES = (
    _emhass(
        EMHASS_LOAD,
        "2024-09-17",
        "2024-10-01",
        "two weeks of load history (UTC 2024-09-17..10-01), inputs/test_to_planner.py",
    ),
    _emhass(
        EMHASS_LOAD,
        "2024-10-11",
        "2024-11-08",
        "28 days of load history before 2024-11-08 and that day (inputs/test_load.py, "
        "test_forecast_load.py); the week 2024-10-21..28 (accounting/household.py); "
        "2024-10-27 (inputs/test_align.py); 2024-11-05 (test_accounting_*.py)",
    ),
    _emhass(
        EMHASS_LOAD,
        "2024-11-14",
        "2024-11-15",
        "the night 2024-11-14/15 (test_accounting_restart.py)",
    ),
    _emhass(
        EMHASS_PV,
        "2024-10-21",
        "2024-10-28",
        "the week 2024-10-21..28 00:00 (accounting/household.py); 2024-10-26/27 "
        "(inputs/test_pv.py, inputs/test_align.py)",
    ),
    _emhass(
        EMHASS_PV,
        "2024-11-05",
        "2024-11-06",
        "2024-11-05 and the next night (test_accounting_*.py)",
    ),
    _emhass(
        EMHASS_PV,
        "2024-11-14",
        "2024-11-15",
        "the night 2024-11-14/15 (test_accounting_restart.py)",
    ),
    _emhass(
        EMHASS_PV_FORECAST,
        "2024-07-26",
        "2024-07-26",
        "the Solcast-shaped day (forecast_payloads.py)",
    ),
    _emhass(
        EMHASS_PV_FORECAST,
        "2024-10-01",
        "2024-10-02",
        "the UTC day 2024-10-01 (inputs/test_to_planner.py)",
    ),
    _emhass(
        EMHASS_PV_FORECAST,
        "2024-10-26",
        "2024-10-27",
        "2024-10-26/27 (inputs/test_pv.py)",
    ),
    _hourly(
        "energinet-elspot",
        SE3_HOURLY,
        "2024-01-05",
        "2024-01-05",
        "a volatile day (inputs/test_prices.py)",
    ),
    _hourly(
        "energinet-elspot",
        SE3_HOURLY,
        "2024-03-31",
        "2024-03-31",
        "the 23-hour day (test_forecast_dst.py, inputs/test_align.py)",
    ),
    _hourly(
        "energinet-elspot",
        SE3_HOURLY,
        "2024-10-01",
        "2024-10-01",
        "an hourly day (test_forecast_prices.py)",
    ),
    _hourly(
        "energinet-elspot",
        SE3_HOURLY,
        "2024-10-27",
        "2024-10-27",
        "the 25-hour day (test_forecast_dst.py, inputs/test_align.py)",
    ),
    _hourly(
        "energinet-elspot",
        SE3_HOURLY,
        "2024-12-11",
        "2024-12-12",
        "two volatile days (inputs/test_prices.py, inputs/test_align.py)",
    ),
    _hourly(
        "green-dcc-prices",
        DE_LU,
        "2024-11-05",
        "2024-11-06",
        "2024-11-05 and the next night (test_accounting_*.py)",
    ),
    _hourly(
        "green-dcc-prices",
        DE_LU,
        "2024-11-14",
        "2024-11-15",
        "the night 2024-11-14/15 (test_accounting_restart.py)",
    ),
    Slice(
        "ha-core-nordpool",
        SE3_15MIN,
        "2025-10-01",
        "2025-10-01",
        SE3_15MIN,
        "the 15-minute day (many tests); the whole source file",
    ),
)


def cut(piece: Slice) -> str:
    """Return the slice's text: the header and the source's rows on its days."""
    lines = (SHARED / piece.folder / piece.source).read_text(encoding="utf-8")
    head, *rows = lines.splitlines(keepends=True)
    assert head == HEADER, f"{piece.source}: unexpected header {head!r}"
    kept = [row for row in rows if piece.first <= row[:10] <= piece.last]
    assert kept, f"{piece.source} has no rows on {piece.first}..{piece.last}"
    return HEADER + "".join(kept)


def provenance(folder: str) -> str:
    """Return the folder's PROVENANCE.md plus a section on what was cut from it."""
    source = (SHARED / folder / "PROVENANCE.md").read_text(encoding="utf-8")
    lines = [
        "",
        "## Slice committed for tests",
        "",
        "The files here are slices of the files above, cut by `tests/data/cut.py`: the",
        "rows whose `start` lies on the given local days (the date written in `start`),",
        "copied unchanged (same header `start,value`, same values and row format,",
        "nothing resampled, filled or rounded). The licence above applies to them.",
        "",
        "| slice | rows of | local days | rows | used for |",
        "|---|---|---|---|---|",
    ]
    for piece in SLICES:
        if piece.folder == folder:
            rows = cut(piece).count("\n") - 1
            days = (
                piece.first
                if piece.first == piece.last
                else f"{piece.first} → {piece.last}"
            )
            lines.append(
                f"| {piece.name} | {piece.source} | {days} | {rows} | {piece.used_by} |"
            )
    return source.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def outputs() -> dict[Path, str]:
    """Return every file this writes, with its text."""
    files = {HERE / piece.folder / piece.name: cut(piece) for piece in SLICES}
    for folder in sorted({piece.folder for piece in SLICES}):
        files[HERE / folder / "PROVENANCE.md"] = provenance(folder)
    return files


def main() -> None:
    """Write the slices, or with --check compare them with a fresh cut."""
    parser = argparse.ArgumentParser(description="Cut the test slices.")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    check = parser.parse_args().check
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is missing: the shared data sits next to the repository")
    stale = []
    for path, text in outputs().items():
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path.relative_to(HERE)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
    if stale:
        sys.exit("differs from a fresh cut: " + ", ".join(stale))


if __name__ == "__main__":
    main()
