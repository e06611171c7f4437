"""The sample-data generator writes files that honour the data contract and carry
the planted anomalies the reports must reveal."""

import itertools
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kpilib.contract.load import load_month
from kpilib.contract.schema import TABLES
from kpilib.duties.facts import score_month
from kpilib.report.store import remove_stale_temp_files
from kpilib.sample.generate import EXPENSE_CATEGORIES, generate
from kpilib.scoring.scheme import load_scheme

SMALL = {"months": 3, "end": "2026-10", "counties": 3, "centres": 6, "seed": 7}

# The encodings real exports come in (from the brief), independent of the module's table.
EXPECTED_FORMATS = [
    ("units", "units.csv", "utf-8"),
    ("staff", "staff.xlsx", None),
    ("targets", "targets.csv", "gbk"),
    ("activity", "activity.csv", "gbk"),
    ("revenue", "revenue.csv", "utf-8-sig"),
    ("finance_revenue", "finance_revenue.xlsx", None),
    ("contracts", "contracts.csv", "gbk"),
    ("tickets", "tickets.csv", "utf-8"),
    ("inspections", "inspections.csv", "gbk"),
    ("training", "training.csv", "utf-8"),
    ("training_plan", "training_plan.xlsx", None),
    ("submissions", "submissions.csv", "gbk"),
    ("centre_results", "centre_results.xlsx", None),
    ("expenses", "expenses.csv", "utf-8-sig"),
    ("audit_findings", "audit_findings.csv", "utf-8"),
    ("adjustments", "adjustments.xlsx", None),
]
FILE_OF = {name: (file, enc) for name, file, enc in EXPECTED_FORMATS}


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """Read a generated file as text, with canonical column names; blanks are ''."""
    file, encoding = FILE_OF[name]
    path = folder / file
    if encoding is None:
        raw = pd.read_excel(path, dtype=str).fillna("")
    else:
        raw = pd.read_csv(path, encoding=encoding, dtype=str, keep_default_na=False)
    return raw.rename(columns=TABLES[name].aliases)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    folders = generate(out, **SMALL)
    planted = json.loads((out / "planted.json").read_text(encoding="utf-8"))
    return out, folders, planted


@pytest.fixture(scope="module")
def default_two_months(tmp_path_factory):
    out = tmp_path_factory.mktemp("default")
    folders = generate(out, months=2)
    planted = json.loads((out / "planted.json").read_text(encoding="utf-8"))
    return out, folders, planted


def all_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: read_table(folder, name) for name in TABLES}


# ---------------------------------------------------------------- files and formats


def test_one_folder_per_month_with_one_file_per_table(small):
    out, folders, _ = small
    assert [f.name for f in folders] == ["2026-08", "2026-09", "2026-10"]
    for folder in folders:
        names = sorted(p.name for p in folder.iterdir())
        assert names == sorted(file for _, file, _ in EXPECTED_FORMATS)  # no temp files left
    assert (out / "planted.json").is_file()


# Runs generate() in a child process that dies, with no clean-up, as the third file
# of the month is being moved into place (the writer renames with os.replace).
_CRASH_AT_THIRD_FILE = """
import os, sys
from kpilib.sample.generate import generate

replaced = 0
real_replace = os.replace

def replace(src, dst):
    global replaced
    replaced += 1
    if replaced == 3:
        os._exit(3)
    real_replace(src, dst)

os.replace = replace
generate(sys.argv[1], months=1, end="2026-10", counties=1, centres=0, seed=7)
"""


def test_a_crash_mid_write_leaves_no_temp_file_the_store_would_miss(tmp_path):
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-c", _CRASH_AT_THIRD_FILE, str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 3, run.stderr
    removed = remove_stale_temp_files(out)
    assert [p.name.split(".")[1] for p in removed] == ["targets"]  # the file being written
    left = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert left == ["2026-10/staff.xlsx", "2026-10/units.csv"]


def test_same_seed_gives_identical_bytes_and_another_seed_differs(small, tmp_path):
    _, folders, _ = small
    again = generate(tmp_path / "again", **SMALL)
    for first, second in zip(folders, again, strict=True):
        for path in first.iterdir():
            assert path.read_bytes() == (second / path.name).read_bytes(), path.name
    other = generate(tmp_path / "other", **{**SMALL, "seed": 8, "months": 1})
    assert (other[0] / "revenue.csv").read_bytes() != (folders[-1] / "revenue.csv").read_bytes()


@pytest.mark.parametrize(("name", "file", "encoding"), EXPECTED_FORMATS)
def test_encodings_are_those_of_real_exports(small, name, file, encoding):
    folder = small[1][-1]
    data = (folder / file).read_bytes()
    if encoding is None:
        assert zipfile.is_zipfile(folder / file)
        return
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # Chinese headers make GBK bytes invalid UTF-8
        text = data.decode("gbk")
    elif encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8-sig")
    else:
        assert not data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8")
    assert text.splitlines()[0] == ",".join(c.alias for c in TABLES[name].columns)


@pytest.mark.parametrize("name", list(TABLES))
def test_every_header_is_the_chinese_alias(small, name):
    for folder in small[1]:
        frame = read_table(folder, name)
        assert list(frame.columns) == TABLES[name].column_names


def test_every_cell_honours_the_data_contract(small):
    """Kinds, patterns, bounds, choices, nullability and keys of every table."""
    for folder in small[1]:
        month = folder.name
        start = pd.Timestamp(f"{month}-01")
        end = start + pd.offsets.MonthEnd(0)
        for name, table in TABLES.items():
            frame = read_table(folder, name)
            for col in table.columns:
                values = frame[col.name]
                filled = values[values != ""]
                where = f"{month} {name}.{col.name}"
                if not col.nullable:
                    assert len(filled) == len(values), f"{where} has blanks"
                if col.pattern:
                    assert filled.str.fullmatch(col.pattern).all(), where
                if col.kind == "money":
                    assert filled.str.fullmatch(r"\d+\.\d{2}").all(), where
                elif col.kind == "int":
                    assert filled.str.fullmatch(r"\d+").all(), where
                elif col.kind == "float":
                    assert filled.str.fullmatch(r"\d+(\.\d{1,2})?").all(), where
                elif col.kind == "bool":
                    assert filled.isin(["是", "否"]).all(), where
                elif col.kind == "category":
                    assert filled.isin(list(col.choices.values())).all(), where
                elif col.kind == "date":
                    assert filled.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), where
                elif col.kind == "datetime":
                    pattern = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
                    assert filled.str.fullmatch(pattern).all(), where
                if col.kind in ("int", "float", "money") and len(filled):
                    numbers = filled.astype(float)
                    if col.ge is not None:
                        assert (numbers >= col.ge).all(), where
                    if col.le is not None:
                        assert (numbers <= col.le).all(), where
                if col.kind in ("date", "datetime") and len(filled):
                    stamps = pd.to_datetime(filled)
                    if col.in_month:
                        assert stamps.between(start, end + pd.Timedelta(days=1)).all(), where
                        assert (stamps.dt.to_period("M") == pd.Period(month)).all(), where
                    if col.not_after_month_end:
                        assert (stamps.dt.normalize() <= end).all(), where
            if len(frame):
                assert not frame.duplicated(list(table.key)).any(), f"{month} {name} key"


def test_references_hold_within_each_month(small):
    for folder in small[1]:
        tables = all_tables(folder)
        for name, table in TABLES.items():
            for ref in table.references:
                values = set(tables[name][ref.column])
                targets = set(tables[ref.table][ref.target_column])
                missing = values - targets
                assert not missing, f"{folder.name} {name}.{ref.column}: {sorted(missing)[:5]}"
        tickets = tables["tickets"].set_index("ticket_id")
        inspections = tables["inspections"]
        assert inspections["record_id"].isin(tickets.index).all()
        owners = tickets.loc[inspections["record_id"], "staff_id"].to_numpy()
        assert (owners == inspections["staff_id"].to_numpy()).all()


# ---------------------------------------------------------------- the organisation


def test_default_size_branch(default_two_months):
    _, folders, planted = default_two_months
    tables = all_tables(folders[-1])
    staff, units = tables["staff"], tables["units"]
    assert 350 <= len(staff) <= 460
    assert units["unit_code"].tolist() == [f"X{i:02d}" for i in range(1, 13)] + [
        f"Z{i:02d}" for i in range(1, 7)
    ]
    counties = units[units["unit_type"] == "县市公司"]
    assert counties["unit_name"].str.fullmatch(r"\w{2,3}[县市]").all()
    assert units["unit_name"].is_unique
    assert units["unit_name"].tail(6).tolist() == [
        "业务拓展中心",
        "客户关系中心",
        "技术支撑中心",
        "投诉管理中心",
        "业务受理中心",
        "综合管理中心",
    ]
    roles = staff.groupby("unit_code")["role"].agg(set)
    assert all(r == {"集团客户经理", "服务人员"} for r in roles[counties["unit_code"]])
    assert roles["Z01"] == roles["Z02"] == {"集团客户经理"}
    assert roles["Z03"] == roles["Z06"] == {"支撑人员"}
    assert roles["Z04"] == roles["Z05"] == {"服务人员"}
    sizes = staff["unit_code"].value_counts()
    assert sizes.max() >= 2 * sizes.min()  # skewed unit sizes
    inspectors = staff[staff["staff_id"].isin(planted["inspectors"])]
    assert len(inspectors) == len(planted["inspectors"]) == 5
    assert (inspectors["unit_code"] == "Z06").all()


def test_lenient_inspector_is_detectable_in_every_month_at_default_size(default_two_months):
    _, folders, planted = default_two_months
    lenient = planted["lenient_inspector"]
    for folder in folders:
        inspections = read_table(folder, "inspections")
        assert set(inspections["inspector_id"]) == set(planted["inspectors"])
        passed = inspections["passed"] == "是"
        mine = inspections["inspector_id"] == lenient
        share = mine.mean()
        assert 0.12 <= share <= 0.3  # a normal share of the work
        table = [[passed[mine].sum(), (~passed[mine]).sum()]]
        table.append([passed[~mine].sum(), (~passed[~mine]).sum()])
        assert stats.fisher_exact(table, alternative="greater").pvalue < 1e-3, folder.name


def test_staff_strings_are_well_formed(small):
    staff = read_table(small[1][-1], "staff")
    assert staff["name"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert staff["staff_id"].str.fullmatch(r"S\d{5}").all()
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    for number in staff["id_number"]:
        total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
        assert number[17] == "10X98765432"[total % 11]
        assert pd.Timestamp(number[6:14]) < pd.Timestamp("2010-01-01")


def test_people_join_and_leave(small):
    folders = small[1]
    for before, after in itertools.pairwise(folders):
        old = read_table(before, "staff")
        new = read_table(after, "staff")
        leavers = old.loc[old["leave_date"] != "", "staff_id"]
        assert not leavers.isin(new["staff_id"]).any()
        joiners = new.loc[~new["staff_id"].isin(old["staff_id"])]
        assert len(joiners) >= 2
        assert joiners["hire_date"].str.startswith(after.name).all()
    month = folders[-1].name
    leave = read_table(folders[-1], "staff")["leave_date"]
    assert leave[leave != ""].str.startswith(month).all()


def test_targets_have_base_below_target_below_challenge_and_some_zeros(small):
    for folder in small[1]:
        targets = read_table(folder, "targets")
        values = targets[["base", "target", "challenge"]].replace("", np.nan).astype(float)
        set_ = values["target"] > 0
        assert (values.loc[set_, "base"] < values.loc[set_, "target"]).all()
        assert (values.loc[set_, "target"] < values.loc[set_, "challenge"]).all()
        assert (~set_).sum() > 0
        assert values.loc[~set_, ["base", "challenge"]].isna().all().all()
        staff = read_table(folder, "staff")
        cms = staff.loc[staff["role"] == "集团客户经理", "staff_id"]
        assert set(targets["staff_id"]) == set(cms)
        assert (targets.groupby("staff_id").size() == 4).all()


def test_activity_rows_for_everyone_but_one_or_two_new_hires(small):
    _, folders, planted = small
    for folder in folders:
        staff = read_table(folder, "staff")
        activity = read_table(folder, "activity")
        absent = sorted(set(staff["staff_id"]) - set(activity["staff_id"]))
        assert absent == planted["no_activity_staff"][folder.name]
        assert 1 <= len(absent) <= 2
        hired = staff.set_index("staff_id").loc[absent, "hire_date"]
        assert hired.str.startswith(folder.name).all()
        roles = staff.set_index("staff_id")["role"]
        others = activity[roles.loc[activity["staff_id"]].to_numpy() != "集团客户经理"]
        numbers = others.drop(columns="staff_id").astype(float)
        assert (numbers == 0).all().all()


def test_tickets_time_limits_overdue_and_open(small):
    tickets = read_table(small[1][-1], "tickets")
    limits = tickets.groupby("kind")["time_limit_hours"].agg(set)
    assert limits["投诉"] == {"48"} and limits["业务受理"] == {"24"}
    is_open = tickets["closed_at"] == ""
    assert is_open.any()
    assert (tickets.loc[is_open, "stage"] != "归档").all()
    assert (tickets.loc[~is_open, "stage"] == "归档").all()
    hours = (
        pd.to_datetime(tickets.loc[~is_open, "closed_at"])
        - pd.to_datetime(tickets.loc[~is_open, "opened_at"])
    ).dt.total_seconds() / 3600
    overdue = hours > tickets.loc[~is_open, "time_limit_hours"].astype(float)
    assert 0.01 < overdue.mean() < 0.3
    satisfaction = tickets["satisfaction"]
    assert (satisfaction == "").any() and (satisfaction != "").any()


def test_revenue_is_skewed_and_follows_the_seasons(tmp_path):
    folders = generate(tmp_path, months=12, end="2025-12", counties=3, seed=3)
    totals = {}
    for folder in folders:
        revenue = read_table(folder, "revenue")
        amounts = revenue["amount_fen"].astype(float)
        assert amounts.mean() > 1.3 * amounts.median()  # right-skewed
        totals[folder.name] = amounts.sum()
    assert totals["2025-02"] == min(totals.values())
    assert totals["2025-12"] == max(totals.values())


def test_every_county_owes_three_reports(small):
    for folder in small[1]:
        submissions = read_table(folder, "submissions")
        units = read_table(folder, "units")
        counties = units.loc[units["unit_type"] == "县市公司", "unit_code"]
        assert sorted(submissions["unit_code"].unique()) == sorted(counties)
        assert (submissions.groupby("unit_code").size() == 3).all()


def test_expenses_and_audit_findings(small):
    for folder in small[1]:
        expenses = read_table(folder, "expenses")
        assert 30 <= len(expenses) <= 60
        assert set(expenses["category"]) <= set(EXPENSE_CATEGORIES)
    findings = pd.concat([read_table(f, "audit_findings") for f in small[1]])
    assert (findings["closed_date"] != "").any()
    open_ = findings[findings["closed_date"] == ""]
    assert (open_["due_date"] < small[1][-1].name + "-31").any()


def test_centre_results_are_submitted_by_centres_with_totals(small):
    # filled by _centre_results (the scorecard step); tests/test_checks.py checks the values
    frame = read_table(small[1][-1], "centre_results")
    assert list(frame.columns) == ["unit_code", "staff_id", "indicator", "score"]
    assert not frame.empty
    assert frame["unit_code"].str.fullmatch(r"Z\d{2}").all()
    assert (frame["indicator"] == "total").any()


# ---------------------------------------------------------------- planted anomalies


def test_late_county_is_late_every_month_and_others_rarely(small):
    _, folders, planted = small
    late = planted["late_county"]
    others_late = []
    for folder in folders:
        submissions = read_table(folder, "submissions")
        received = submissions[submissions["submitted_at"] != ""]
        days = (
            pd.to_datetime(received["submitted_at"]).dt.normalize()
            - pd.to_datetime(received["due_date"])
        ).dt.days
        mine = received["unit_code"] == late
        assert mine.sum() == 3
        assert days[mine].between(1, 6).all(), folder.name
        others_late.extend(days[~mine] > 0)
    assert np.mean(others_late) < 0.2


def test_lenient_inspector_passes_almost_everything(small):
    _, folders, planted = small
    inspections = pd.concat([read_table(f, "inspections") for f in folders])
    rates = inspections.groupby("inspector_id")["passed"].agg(lambda s: (s == "是").mean())
    lenient = planted["lenient_inspector"]
    assert rates[lenient] >= 0.95
    others = rates.drop(lenient)
    assert others.between(0.7, 0.95).all()
    assert rates[lenient] - others.mean() >= 0.08
    staff = read_table(small[1][-1], "staff").set_index("staff_id")
    assert (staff.loc[planted["inspectors"], "unit_code"] == "Z06").all()
    assert (staff.loc[planted["inspectors"], "role"] == "支撑人员").all()


def test_second_inspections_by_a_different_inspector(small):
    inspections = read_table(small[1][-1], "inspections")
    twice = inspections[inspections.duplicated("record_id", keep=False)]
    share = twice["record_id"].nunique() / inspections["record_id"].nunique()
    assert 0.04 < share < 0.2
    assert (twice.groupby("record_id")["inspector_id"].nunique() == 2).all()
    per_staff = inspections.drop_duplicates("record_id").groupby("staff_id").size()
    assert per_staff.max() <= 5


def test_one_revenue_record_is_duplicated_each_month(small):
    _, folders, planted = small
    assert sorted(planted["duplicated_revenue"]) == [f.name for f in folders]
    for folder in folders:
        revenue = read_table(folder, "revenue").set_index("record_id")
        original, copy = planted["duplicated_revenue"][folder.name]
        assert original != copy
        assert revenue.loc[original].equals(revenue.loc[copy])
        same = revenue.duplicated(keep=False)
        assert sorted(revenue.index[same]) == [original, copy]


def test_planted_json_layout(small):
    planted = small[2]
    assert set(planted) >= {
        "late_county",
        "lenient_inspector",
        "inspectors",
        "duplicated_revenue",
        "no_activity_staff",
        "centre_mismatch",
        "finance_differences",
    }
    assert re.fullmatch(r"X\d{2}", planted["late_county"])
    assert planted["lenient_inspector"] in planted["inspectors"]
    for entry in planted["centre_mismatch"].values():
        assert set(entry) == {"unit_code", "indicator", "staff_ids", "differences"}
        assert 3 <= len(entry["staff_ids"]) <= 6


def test_planted_centre_differences_are_plausible_amounts(small):
    """30-80 % of the indicator's effective weight, at least 2 points (far beyond the
    0.01 tolerance), and the submitted score still within [0, weight]."""
    out, folders, planted = small
    scheme = load_scheme(Path(__file__).resolve().parents[1] / "params" / "scheme-2026.yaml")
    assert sorted(planted["centre_mismatch"]) == [f.name for f in folders]
    for folder in folders:
        entry = planted["centre_mismatch"][folder.name]
        month = load_month(out, folder.name)
        long = score_month(month, scheme).long.set_index(["entity_id", "indicator"])
        submitted = month.centre_results.set_index(["staff_id", "indicator"])["score"]
        for sid, delta in entry["differences"].items():
            weight = long.loc[(sid, entry["indicator"]), "effective_weight"]
            assert abs(delta) >= 2.0
            assert 0.3 * weight - 0.05 <= abs(delta) <= 0.8 * weight + 0.05, (sid, weight)
            score = submitted.loc[(sid, entry["indicator"])]
            assert -0.005 <= score <= weight + 0.01
            recomputed = long.loc[(sid, entry["indicator"]), "weighted_score"]
            assert score - recomputed == pytest.approx(delta, abs=0.01)


def test_technical_support_handles_tickets_and_everyone_trains(small):
    folder = small[1][-1]
    staff = read_table(folder, "staff").set_index("staff_id")
    tickets = read_table(folder, "tickets")
    unit = staff.loc[tickets["staff_id"], "unit_code"].to_numpy()
    z03 = tickets[unit == "Z03"]
    assert len(z03) > 100
    assert (z03["kind"] == "业务受理").mean() > 0.6  # the technical stage of orders
    assert not (unit == "Z06").any()  # administrators and inspectors handle no tickets
    inspected = read_table(folder, "inspections")["staff_id"]
    assert staff.loc[inspected, "unit_code"].eq("Z03").any()
    training = read_table(folder, "training")
    hours = training["hours"].astype(float).groupby(training["staff_id"]).sum()
    assert hours.reindex(staff.index).notna().mean() > 0.9
    assert 6 < hours.median() < 14


# ---------------------------------------------------------------- sizes and arguments


def test_many_units_widen_codes_and_keep_names_unique(tmp_path):
    folders = generate(tmp_path, months=1, counties=120, centres=8, seed=1)
    units = read_table(folders[0], "units")
    codes = units["unit_code"]
    assert codes.iloc[0] == "X0001" and codes.iloc[119] == "X0120"
    assert codes.iloc[120:].tolist() == [f"Z{i:02d}" for i in range(1, 9)]
    assert units["unit_name"].is_unique
    assert units["unit_name"].iloc[126] == "业务拓展二中心"


def test_fewer_centres_and_no_inspectors(tmp_path):
    folders = generate(tmp_path, months=1, counties=2, centres=3, seed=1)
    planted = json.loads((tmp_path / "planted.json").read_text(encoding="utf-8"))
    assert read_table(folders[0], "units")["unit_code"].tolist() == [
        "X01",
        "X02",
        "Z01",
        "Z02",
        "Z03",
    ]
    assert planted["lenient_inspector"] is None
    assert read_table(folders[0], "inspections").empty


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": "2026-13"}, "end must be a month"),
        ({"end": "202610"}, "end must be a month"),
        ({"months": 0}, "months must be at least 1"),
        ({"counties": 0}, "counties must be between"),
        ({"centres": -1}, "centres must be between"),
        ({"seed": -5}, "seed must be"),
    ],
)
def test_wrong_arguments_are_named(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate(tmp_path, **kwargs)


@pytest.mark.slow
def test_default_run_of_24_months(tmp_path):
    folders = generate(tmp_path)
    assert folders[0].name == "2024-11" and folders[-1].name == "2026-10"
    planted = json.loads((tmp_path / "planted.json").read_text(encoding="utf-8"))
    assert len(planted["duplicated_revenue"]) == 24
    contracts = [len(read_table(f, "contracts")) for f in (folders[0], folders[-1])]
    assert contracts[1] > contracts[0]  # the archive grows
    ever = set()
    for folder in folders:
        staff = set(read_table(folder, "staff")["staff_id"])
        ever |= staff
    assert len(ever) > 420  # people joined over two years


def test_no_unplanted_duplicates_in_contracts(small):
    for folder in small[1]:
        contracts = read_table(folder, "contracts").drop(columns="contract_id")
        assert not contracts.duplicated().any(), folder.name


def test_the_register_confirms_each_duplicate_but_the_last_months(small):
    """Every month but the last excludes its planted duplicate through the adjustments
    register (docs/methods.md §6.9); the last month leaves it pending for the reports."""
    out, folders, planted = small
    months = [f.name for f in folders]
    for month in months:
        register = read_table(out / month, "adjustments")
        excluded = set(register.loc[register["kind"] == "剔除记录", "value"])
        copy = planted["duplicated_revenue"].get(month, [None, None])[1]
        if month == months[-1]:
            assert copy not in excluded
        elif copy is not None:
            assert copy in excluded
        assert set(register["kind"]) <= {"剔除记录", "替换实际值", "扣分"}
