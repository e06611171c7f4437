"""The Results object notebooks read: attributes, a unit filter with privacy, clear errors."""

from __future__ import annotations

import hashlib
import os

import pandas as pd
import pytest

import kpilib
from kpilib.report.results import Results
from kpilib.report.store import file_sha256, write_results
from kpilib.run.open import open_results
from kpilib.sample.generate import generate

MONTH = "2026-10"


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """Hand-made tables: two units, staff with raw phone numbers, a department-wide table."""
    folder = tmp_path_factory.mktemp("results")
    write_results(
        folder,
        {
            "units": pd.DataFrame({"unit_code": ["X01", "Z01"], "unit_name": ["甲县", "乙中心"]}),
            "staff": pd.DataFrame(
                {
                    "staff_id": ["S1", "S2"],
                    "unit_code": ["X01", "Z01"],
                    "phone": ["13812345678", "13987654321"],
                }
            ),
            "notes": pd.DataFrame({"key": ["rank_basis"], "text": ["依据"]}),
        },
    )
    return folder


def test_every_table_is_an_attribute_and_listed_for_tab_completion(stored):
    results = Results(stored)
    assert results.names == ["notes", "staff", "units"]
    assert {"notes", "staff", "units"} <= set(dir(results))
    assert results.units["unit_code"].tolist() == ["X01", "Z01"]
    assert results.table("units").equals(results.units)


def test_a_missing_table_is_named_with_the_tables_that_exist(stored):
    with pytest.raises(AttributeError, match=r"no shared result 'headline'.*have: notes, staff"):
        Results(stored).headline


def test_for_unit_keeps_that_units_rows_masked_and_department_tables_whole(stored):
    unit = Results(stored).for_unit("X01")
    assert unit.unit_code == "X01"
    assert unit.staff["staff_id"].tolist() == ["S1"]
    assert unit.staff["phone"].tolist() == ["138****5678"]
    assert unit.units["unit_code"].tolist() == ["X01"]
    assert unit.notes["key"].tolist() == ["rank_basis"]  # no unit column: unchanged


def test_for_unit_refuses_an_unknown_unit(stored):
    with pytest.raises(ValueError, match=r"no unit 'X99'.*units are X01, Z01"):
        Results(stored).for_unit("X99")


def test_tables_are_copies_so_a_notebook_cannot_change_the_next_reader(stored):
    results = Results(stored)
    units = results.units
    units.loc[0, "unit_name"] = "改"
    assert results.units.loc[0, "unit_name"] == "甲县"


def test_a_table_is_read_once_per_process_and_again_once_rewritten(tmp_path):
    """A warm kernel keeps the tables it read; a run that rewrites them is seen at once."""
    write_results(tmp_path, {"units": pd.DataFrame({"unit_code": ["X01"], "unit_name": ["甲"]})})
    first, again = Results(tmp_path), Results(tmp_path)
    assert first.units["unit_code"].tolist() == again.units["unit_code"].tolist() == ["X01"]
    assert first.table("units") is not again.table("units")  # each reader gets its own copy
    write_results(tmp_path, {"units": pd.DataFrame({"unit_code": ["X02"], "unit_name": ["乙"]})})
    assert Results(tmp_path).units["unit_code"].tolist() == ["X02"]
    assert Results(tmp_path).for_unit("X02").units["unit_name"].tolist() == ["乙"]


def test_open_results_builds_what_the_run_stores(tmp_path):
    generate(tmp_path / "data", months=1, end=MONTH, counties=2, centres=1, seed=5)
    results = kpilib.open_results(
        MONTH, data_dir=tmp_path / "data", results_dir=tmp_path / "results"
    )
    assert isinstance(results, Results) and results.folder == tmp_path / "results"
    assert {"headline", "staff_scorecard", "sampling_plan"} <= set(results.names)
    unit = results.for_unit("X01")
    assert set(unit.staff_scorecard["unit_code"]) == {"X01"}
    assert open_results is kpilib.open_results


def test_a_remembered_file_digest_follows_the_file_whatever_path_names_it(tmp_path):
    """file_sha256 remembers digests by the file's identity (device, inode, size, mtime):
    a rewritten file is hashed again, a link to it gets the same digest (hashlib's)."""
    path = tmp_path / "units.csv"
    path.write_bytes(b"unit_code\nX01\n")
    assert file_sha256(path) == hashlib.sha256(b"unit_code\nX01\n").hexdigest()
    (tmp_path / "link.csv").symlink_to(path)
    assert file_sha256(tmp_path / "link.csv") == file_sha256(path)
    replacement = tmp_path / "new.csv"
    replacement.write_bytes(b"unit_code\nX02\n")
    os.replace(replacement, path)  # how every export is rewritten: a new inode
    assert file_sha256(path) == hashlib.sha256(b"unit_code\nX02\n").hexdigest()
    stat = path.stat()
    path.write_bytes(b"unit_code\nX03\n")  # rewritten in place, same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert file_sha256(path) == hashlib.sha256(b"unit_code\nX03\n").hexdigest()
