"""``make test`` runs the tests of one ``xdist_group`` on one worker.

The groups keep a module's expensive fixtures (a whole monthly run) made once, and let a
single worker generate ``data/sample``. pytest-xdist's ``--dist loadgroup`` marks a grouped
test by adding ``@<group>`` to its node id on the worker; some pytest releases silently
undo that (pytest-dev/pytest-xdist#1386), and then every group is spread over the
workers. pyproject.toml keeps to the releases that work; this test says when they do not.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("group_check")


def test_a_grouped_test_runs_as_a_member_of_its_group(request):
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not run by xdist with --dist loadgroup (make test uses it)")
    assert request.node.nodeid.endswith("@group_check"), (
        f"{request.node.nodeid}: --dist loadgroup did not group this test; this pytest and "
        "pytest-xdist do not work together (pytest-dev/pytest-xdist#1386): install the "
        "versions pyproject.toml allows (make test does)"
    )
