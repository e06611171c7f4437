"""Earlier months are read once: cached by their input hashes, the scheme and the library.

docs/methods.md has no formula here; what is tested is that the cache changes no number
(the shared results with and without it are equal) and that correcting one earlier
month's file recomputes that month only (only its cache entry is rewritten).
"""

from __future__ import annotations

import shutil
from dataclasses import replace

import pandas as pd
import pytest

from kpilib.contract.load import load_month
from kpilib.errors import InputError
from kpilib.report.shared import build_shared_results, scheme_for, vocabulary_for
from kpilib.run.open import validated_month
from kpilib.sample.generate import generate

MONTH = "2026-10"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    generate(data, months=4, end=MONTH, counties=2, centres=1, seed=3)
    return data


def _build(data, cache):
    month = load_month(data, MONTH)
    return build_shared_results(
        month, data_dir=data, scheme=scheme_for(2026), history_months=4, cache_dir=cache
    )


def test_the_cache_changes_no_number_and_a_corrected_month_alone_is_recomputed(sample, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(sample, data)
    cache = tmp_path / "cache"
    plain = build_shared_results(
        load_month(data, MONTH), data_dir=data, scheme=scheme_for(2026), history_months=4
    )
    first = _build(data, cache)
    entries = {p.stem: p.stat().st_mtime_ns for p in cache.glob("*.pickle")}
    # the earlier months, the report month's own scoring, and the earlier months' replay
    # through the sampling plan's switching rules
    assert set(entries) == {
        "2026-07", "2026-08", "2026-09", "2026-10.report", "2026-10.switching"
    }  # fmt: skip
    second = _build(data, cache)
    for name in (
        "history_units", "history_indicators", "headline", "unit_indicators",
        "business_results", "inspection_switching", "sampling_plan", "lot_verdicts",
    ):  # fmt: skip
        pd.testing.assert_frame_equal(first[name], plain[name])
        pd.testing.assert_frame_equal(second[name], plain[name])
    assert {p.stem: p.stat().st_mtime_ns for p in cache.glob("*.pickle")} == entries

    # a corrected export of August: same rows, new bytes
    revenue = data / "2026-08" / "revenue.csv"
    revenue.write_bytes(revenue.read_bytes() + b"\n")
    _build(data, cache)
    after = {p.stem: p.stat().st_mtime_ns for p in cache.glob("*.pickle")}
    assert after["2026-08"] != entries["2026-08"]
    assert after["2026-07"] == entries["2026-07"] and after["2026-09"] == entries["2026-09"]
    assert after["2026-10.report"] == entries["2026-10.report"]
    assert after["2026-10.switching"] != entries["2026-10.switching"]  # August is in it


def test_the_report_month_is_scored_again_when_any_of_its_values_changes(sample, tmp_path):
    """The report month's scoring is cached by the content of its tables, not by its
    files: a month changed in memory (as a caller may pass one) is never served the
    scores of the month it was made from."""
    month = load_month(sample, MONTH)
    cache = tmp_path / "cache"
    options = {"data_dir": sample, "scheme": scheme_for(2026), "history_months": 2}
    first = build_shared_results(month, cache_dir=cache, **options)
    doubled = replace(
        month, revenue=month.revenue.assign(amount_fen=month.revenue["amount_fen"] * 2)
    )
    plain = build_shared_results(doubled, **options)
    cached = build_shared_results(doubled, cache_dir=cache, **options)
    pd.testing.assert_frame_equal(cached["staff_scorecard"], plain["staff_scorecard"])
    assert not cached["staff_revenue"]["amount_fen"].equals(first["staff_revenue"]["amount_fen"])


def test_a_damaged_cache_entry_is_recomputed_not_trusted(sample, tmp_path):
    cache = tmp_path / "cache"
    reference = _build(sample, cache)
    (cache / "2026-09.pickle").write_bytes(b"garbage")
    again = _build(sample, cache)
    pd.testing.assert_frame_equal(again["history_units"], reference["history_units"])
    assert (cache / "2026-09.pickle").read_bytes() != b"garbage"


def test_the_validated_month_is_reused_until_one_of_its_files_changes(sample, tmp_path):
    """``kpi run`` validates the report month once per version of its files: the cached
    tables equal a fresh load's, a changed file is read again, a bad one is refused."""
    data = tmp_path / "data"
    shutil.copytree(sample, data)
    cache = tmp_path / "validated"
    first = validated_month(data, MONTH, cache_dir=cache)
    stored = (cache / f"{MONTH}.pickle").stat().st_mtime_ns
    again = validated_month(data, MONTH, cache_dir=cache)
    assert (cache / f"{MONTH}.pickle").stat().st_mtime_ns == stored
    fresh = load_month(data, MONTH, vocabulary=vocabulary_for(MONTH))
    assert first.warnings == again.warnings == fresh.warnings
    for name, table in fresh.tables().items():
        pd.testing.assert_frame_equal(again.tables()[name], table)

    units = data / MONTH / "units.csv"
    units.write_bytes(units.read_bytes() + "X99,,县市公司\n".encode())  # a unit row without a name
    with pytest.raises(InputError, match=r"units\.csv"):
        validated_month(data, MONTH, cache_dir=cache)
    assert (cache / f"{MONTH}.pickle").stat().st_mtime_ns == stored  # never cached
