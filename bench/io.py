"""Benchmark: loading and validating a month with load_month, small and at a million rows.

Times :func:`kpilib.contract.load.load_month` on the synthetic months of
``tests/test_io.py`` (the tiny month of ``tests/conftest.py`` with units, staff,
activity, revenue and tickets rewritten by ``write_synthetic_month``): 20 units x 20
staff (400 staff, about 4,000 rows) and 3,000 units x 34 staff (102,000 staff, over
800,000 rows). The baseline is reading the same files with plain pandas, every cell as
text and nothing checked (``pd.read_csv`` / ``pd.read_excel`` with ``dtype=str``):
what the reading alone costs, so the ratio is what decoding, conversion and
validation add on top.

Run: ``.venv/bin/python bench/io.py [--repeat 3] [--small-only]``
Targets (issue 1, once timing assertions in tests/test_io.py): 400 staff < 2 s,
a million rows < 60 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import pandas as pd

from kpilib.contract.load import load_month

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the months the tests load, made the same way

from conftest import MONTH, TINY_MONTH, TinyMonth  # noqa: E402
from test_io import write_synthetic_month  # noqa: E402

T = TypeVar("T")

#: (label, units, staff per unit, seconds allowed) of each month timed.
SIZES = (
    ("400 staff", 20, 20, 2.0),
    ("102,000 staff", 3000, 34, 60.0),
)


def tiny_month(data_dir: Path) -> TinyMonth:
    """Write the tests' tiny valid month under ``data_dir`` (what the fixture does)."""
    tiny = TinyMonth(data_dir)
    tiny.folder.mkdir(parents=True)
    for file, rows in TINY_MONTH.items():
        tiny.write(file, rows)
    return tiny


def read_plain(folder: Path) -> int:
    """Read every file of ``folder`` with plain pandas, all cells as text; return the rows."""
    rows = 0
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str)
        else:
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("gbk")
            frame = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
        rows += len(frame)
    return rows


def best_of(repeat: int, run: Callable[[], T], *, warm_up: bool) -> tuple[float, T]:
    """The shortest of ``repeat`` timed runs in seconds, and what the last run returned.

    ``warm_up`` runs once untimed first (imports, caches): worth it for a small month,
    not for one that takes a minute.
    """
    result = run() if warm_up else None
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--small-only", action="store_true", help="skip the million-row month")
    args = parser.parse_args()

    sizes = SIZES[:1] if args.small_only else SIZES
    print(
        f"{'month':<16} {'rows':>9} {'load_month s':>13} {'plain pandas s':>15} "
        f"{'ratio':>7}  target"
    )
    all_met = True
    for label, units, per_unit, allowed in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            tiny = tiny_month(Path(tmp))
            rows = write_synthetic_month(tiny.folder, units=units, staff_per_unit=per_unit)
            small = units * per_unit < 10_000
            repeat = args.repeat if small else 1
            load = partial(load_month, tiny.data_dir, MONTH)
            t_load, month = best_of(repeat, load, warm_up=small)
            t_plain, _ = best_of(repeat, partial(read_plain, tiny.folder), warm_up=small)
        if len(month.staff) != units * per_unit:
            raise SystemExit(f"{label}: loaded {len(month.staff)} staff, not {units * per_unit}")
        met = t_load < allowed
        all_met &= met
        print(
            f"{label:<16} {rows:>9,} {t_load:>13.3f} {t_plain:>15.3f} "
            f"{t_load / t_plain:>6.1f}x  < {allowed:g} s: {'met' if met else 'NOT met'}"
            f"   (best of {repeat})"
        )
    print(f"targets: {'met' if all_met else 'NOT met'}")


if __name__ == "__main__":
    main()
