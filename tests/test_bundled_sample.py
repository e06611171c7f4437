"""Every month of the bundled sample data loads and validates without an error."""

import json

import pytest

from kpilib.contract.load import validate_month
from kpilib.paths import PARAMS_DIR

# one worker runs the module (bundled_sample in tests/conftest.py locks its generation)
pytestmark = pytest.mark.xdist_group("bundled_sample")


@pytest.mark.slow
def test_every_bundled_month_validates(bundled_sample):
    planted = json.loads((bundled_sample / "planted.json").read_text(encoding="utf-8"))
    assert len(planted["months"]) == 24
    for month in planted["months"]:
        # Only 2026 has a scheme and a budget: the earlier months are history, read
        # without them (as the reports' trends read them).
        has_scheme = (PARAMS_DIR / f"scheme-{month[:4]}.yaml").is_file()
        findings = validate_month(
            bundled_sample, month, params_dir=PARAMS_DIR if has_scheme else None
        )
        errors = [str(f) for f in findings if f.severity == "error"]
        assert errors == [], f"{month}: {errors[:3]}"
        # the only warnings are the planted ones: staff without activity, the duplicate
        warned = {f.value for f in findings}
        expected = {*planted["no_activity_staff"][month], *planted["duplicated_revenue"][month]}
        assert warned == expected, month
