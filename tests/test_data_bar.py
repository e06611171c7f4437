"""Data bars in report tables (kpilib.report.labels.DataBar): lengths, numbers, escaping.

Every expected width is computed by hand below: a length is its share of the table's
longest stack or track, in per cent of the bar's width.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kpilib.report import labels

WIDTH = re.compile(r"width:([\d.]+)%;background:(#[0-9a-f]{6})")
TRACK = re.compile(r"#dee2e6 ([\d.]+)%")


def _widths(cell: str) -> list[tuple[float, str]]:
    return [(float(w), colour) for w, colour in WIDTH.findall(cell)]


def test_a_score_is_drawn_on_the_weight_it_is_out_of():
    frame = pd.DataFrame(
        {"weighted_score": [8.5, 12.0, float("nan")], "effective_weight": [10.0, 10.0, 5.0]}
    )
    header, cells = labels.SCORE_BAR.cells(frame)
    # longest: the capped score 12 (above its weight 10); NaN (not applicable) draws nothing
    assert [_widths(c) for c in cells] == [
        [(70.83, "#1d3557")],  # 8.5 / 12
        [(100.0, "#1d3557")],
        [(0.0, "#1d3557")],
    ]
    assert [float(TRACK.search(c).group(1)) for c in cells] == [83.33, 83.33, 41.67]  # 10, 5 / 12
    assert 'title="加权得分 8.50，有效权重 10.00"' in cells[0]
    assert header.startswith("得分与有效权重<br>") and "有效权重" in header.split("<br>")[1]


def test_ticket_outcomes_stack_to_the_tickets_opened():
    frame = pd.DataFrame(
        {
            "closed_on_time": [36, 0],
            "closed_late": [4, 0],
            "open_in_time": [0, 1],
            "open_overdue": [0, 1],
        }
    )
    _, cells = labels.TICKET_OUTCOMES_BAR.cells(frame)
    # longest stack: 40 tickets; 36/40 = 90 %, 4/40 = 10 %, 1/40 = 2.5 %
    assert [w for w, _ in _widths(cells[0])] == [90.0, 10.0, 0.0, 0.0]
    assert [w for w, _ in _widths(cells[1])] == [0.0, 0.0, 2.5, 2.5]
    assert 'title="按时办结 36，超时办结 4，未办结未超时 0，未办结已超时 0"' in cells[0]
    assert "#dee2e6 0.00%" in cells[0]  # no track


def test_a_table_shows_its_bar_in_a_last_column_with_every_name_escaped():
    bar = labels.DataBar("<b>得分</b>", (("score", "<script>x</script>", "#123abc"),))
    frame = pd.DataFrame({"name": ["<i>甲</i>", "乙"], "score": [1, 3]})
    page = labels.table_html(labels.for_display(frame, ["name"]), bar=bar.cells(frame))
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "&lt;b&gt;得分&lt;/b&gt;" in page
    assert page.count('<td class="bar">') == 2 and page.count('<th class="bar">') == 1
    assert re.search(r"<td>&lt;i&gt;甲&lt;/i&gt;</td><td class=\"bar\">.*33\.33%", page)


def test_a_bar_that_does_not_fit_its_table_is_refused():
    with pytest.raises(ValueError, match="#rrggbb"):
        labels.DataBar("x", (("a", "a", "red"),))
    with pytest.raises(ValueError, match="at least one part"):
        labels.DataBar("x", ())
    with pytest.raises(KeyError, match=r"\['missing'\]"):
        labels.DataBar("x", (("missing", "m", "#000000"),)).cells(pd.DataFrame({"a": [1]}))
    frame = pd.DataFrame({"a": [1, 2]})
    cells = labels.DataBar("x", (("a", "a", "#000000"),)).cells(frame)
    with pytest.raises(ValueError, match="2 bar cells for a table of 1 rows"):
        labels.table_html(frame.head(1), bar=cells)
