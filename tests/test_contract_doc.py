"""docs/data-contract.md is rendered from kpilib.contract.schema and kept in step with it."""

from pathlib import Path

from kpilib.contract.doc import render_contract
from kpilib.contract.schema import TABLES

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"


def test_committed_document_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render_contract(), (
        "docs/data-contract.md is out of date; regenerate it with "
        "`python -m kpilib.contract.doc > docs/data-contract.md`"
    )


def test_every_table_and_header_is_documented():
    text = render_contract()
    for table in TABLES.values():
        assert f"## `{table.name}` — {table.title}" in text
        for col in table.columns:
            assert f"| `{col.name}` | {col.alias} |" in text


def test_constraints_are_spelled_out():
    text = render_contract()
    assert "pattern `(X\\|Z)\\d{2,4}`" in text  # the pipe is escaped inside the table
    assert "one of `complaint` 投诉, `order` 业务受理" in text
    assert (
        "| `opened_at` | 受理时间 | date-time `YYYY-MM-DD HH:MM:SS` |  | required; in month |"
        in text
    )
    assert "nullable; ≥ 0; ≤ 100" in text
    assert "References: `staff_id` → `staff.staff_id`, `inspector_id` → `staff.staff_id`." in text
    assert "params/budget-2026.yaml" in text
    assert "row 2" in text and "GBK" in text and "2 decimals" in text
