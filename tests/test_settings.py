"""Run settings: params/run.yaml is validated and every mistake is named."""

from pathlib import Path

import pytest

from kpilib.errors import SettingsError
from kpilib.run.settings import RunSettings, load_run_settings, settings_from_mapping

PROJECT = Path(__file__).resolve().parents[1]


def test_committed_settings_load():
    settings = load_run_settings(PROJECT / "params" / "run.yaml")
    assert settings == RunSettings(history_months=12, aql=2.5, level="II")


def test_empty_mapping_gives_defaults():
    assert settings_from_mapping({}) == RunSettings()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"history_month": 12}, "unknown setting 'history_month'"),
        ({"history_months": 0}, "history_months must be a whole number from 1 to 60, got 0"),
        ({"history_months": "12"}, "history_months must be a whole number"),
        (
            {"sampling": {"aql": 3.0}},
            "sampling.aql must be an AQL of GB/T 2828.1 Table 2-A, got 3.0",
        ),
        ({"sampling": {"aql": True}}, "sampling.aql must be an AQL"),
        ({"sampling": {"level": "IV"}}, "sampling.level must be one of"),
        ({"sampling": {"AQL": 2.5}}, "unknown setting 'sampling.AQL'"),
        ({"sampling": [2.5]}, "sampling must be a mapping"),
        ({"centre_results_tolerance": -1}, "centre_results_tolerance must be a number >= 0"),
        ([1, 2], "expected a mapping of settings, got list"),
    ],
)
def test_bad_settings_are_named(raw, message):
    with pytest.raises(SettingsError, match=message.replace(".", r"\.").replace("(", r"\(")):
        settings_from_mapping(raw)


def test_all_problems_reported_together():
    with pytest.raises(SettingsError) as info:
        settings_from_mapping({"history_months": -3, "sampling": {"level": "X"}})
    assert "history_months" in str(info.value)
    assert "sampling.level" in str(info.value)


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(SettingsError, match="not found"):
        load_run_settings(tmp_path / "run.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("history_months: [1,\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_run_settings(broken)
