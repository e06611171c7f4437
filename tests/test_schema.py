"""The data contract is declared once and everything derived from it agrees."""

from dataclasses import fields

from kpilib.contract.month_data import MonthData
from kpilib.contract.schema import TABLES


def test_month_data_has_one_field_per_contract_table():
    table_fields = [f.name for f in fields(MonthData) if f.name not in ("month", "warnings")]
    assert table_fields == list(TABLES)


def test_every_key_and_reference_names_a_declared_column():
    for table in TABLES.values():
        names = set(table.column_names)
        assert set(table.key) <= names, table.name
        for ref in table.references:
            assert ref.column in names, (table.name, ref)
            assert ref.target_column in TABLES[ref.table].column_names, (table.name, ref)


def test_chinese_headers_are_unique_within_each_table():
    for table in TABLES.values():
        aliases = [col.alias for col in table.columns]
        assert len(aliases) == len(set(aliases)), table.name


def test_category_columns_declare_their_choices():
    for table in TABLES.values():
        for col in table.columns:
            assert (col.kind == "category") == (col.choices is not None), (table.name, col.name)
