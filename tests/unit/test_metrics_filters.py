"""Lead filters as typed by users (pure): repeated and comma-separated values, the escaped comma,
orientation aliases, and the coded refusals naming the parameter."""

from __future__ import annotations

import pytest

from tenbin.errors import TenbinError
from tenbin.metrics.filters import lead_filter, split_values
from tenbin.metrics.model import LeadFilter


def test_repeated_and_comma_separated_values_in_order_once_each() -> None:
    found = lead_filter({"channel": ["広告, 展示会", "ウェビナー", "広告"], "size_band": ["300-499"]})
    assert found == LeadFilter(channels=("広告", "展示会", "ウェビナー"), size_bands=("300-499",))
    assert found.by_dimension() == {"channel": ("広告", "展示会", "ウェビナー"), "size_band": ("300-499",)}
    assert lead_filter({}) == LeadFilter()
    assert lead_filter({"team": []}) == LeadFilter()


def test_an_escaped_comma_stays_in_the_value_and_full_width_commas_never_split() -> None:
    assert split_values([r"展示会\,2025,広告"]) == ["展示会,2025", "広告"]
    assert lead_filter({"industry": ["卸売業，小売業"]}).industries == ("卸売業，小売業",)


def test_every_dimension_maps_to_its_field() -> None:
    texts = {name: [name.upper()] for name in ("campaign", "channel", "offer", "team", "industry", "size_band")}
    found = lead_filter({**texts, "orientation": ["量", "質重視", "(none)"]})
    assert found == LeadFilter(campaigns=("CAMPAIGN",), channels=("CHANNEL",), orientations=("quantity", "quality",
                               "(none)"), offers=("OFFER",), teams=("TEAM",), industries=("INDUSTRY",),
                               size_bands=("SIZE_BAND",))  # fmt: skip


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        ({"channel": [""]}, "METRICS_FILTER_EMPTY", "channel"),
        ({"campaign": ["A,,B"]}, "METRICS_FILTER_EMPTY", "campaign"),
        ({"team": ["x" * 301]}, "METRICS_FILTER_TOO_LONG", "team"),
        ({"offer": [",".join(str(i) for i in range(51))]}, "METRICS_FILTER_TOO_MANY", "offer"),
        ({"orientation": ["volume"]}, "METRICS_FILTER_ORIENTATION", "orientation"),
        ({"campaign": ["A\x00B"]}, "METRICS_FILTER_CONTROL", "campaign"),
        ({"channel": ["広告\t広告"]}, "METRICS_FILTER_CONTROL", "channel"),
    ],
)
def test_malformed_values_are_refused_with_the_parameter(values: dict[str, list[str]], code: str, field: str) -> None:
    with pytest.raises(TenbinError) as raised:
        lead_filter(values)
    assert (raised.value.code, raised.value.place.field) == (code, field)


def test_the_longest_and_the_most_values_allowed_pass() -> None:
    assert lead_filter({"team": ["x" * 300]}).teams == ("x" * 300,)
    assert len(lead_filter({"offer": [",".join(str(i) for i in range(50))]}).offers) == 50
