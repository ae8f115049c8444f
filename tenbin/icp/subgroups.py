"""Subgroups found by the search, written as rules (the same language a person writes)."""

from __future__ import annotations

import math

from tenbin.icp.attributes import Attribute, Catalog
from tenbin.icp.compile import format_rule
from tenbin.icp.rules import All, Cond, Node
from tenbin.icp.search import Subgroup
from tenbin.icp.selectors import Selector

CHALLENGE_PREFIX = "challenge:"


def selector_condition(selector: Selector, catalog: Catalog) -> Cond:
    """The rule condition that matches exactly the rows of ``selector``."""
    if selector.column.startswith(CHALLENGE_PREFIX):
        attribute = catalog.get("challenge.category")
        return Cond(attribute, "=", (selector.column.removeprefix(CHALLENGE_PREFIX),))
    attribute = catalog.get(selector.column)
    if selector.kind == "flag":
        return Cond(attribute, "=", (True,))
    if selector.kind == "eq":
        return Cond(attribute, "=", (selector.value,))
    return _range(attribute, selector.low, selector.high)


def _number(value: float, integer: bool) -> int | float:
    return int(value) if integer or float(value).is_integer() else value


def _range(attribute: Attribute, low: float | None, high: float | None) -> Cond:
    integer = attribute.integer and not attribute.money  # amounts read better as >= 100億 and < 1000億
    if low is not None and high is not None and integer:
        return Cond(attribute, "between", (_number(low, True), _number(math.ceil(high) - 1, True)))
    if low is not None and high is not None:
        raise ValueError("a bounded range of a non-integer attribute needs two conditions")
    if low is not None:
        return Cond(attribute, ">=", (_number(low, integer),))
    assert high is not None
    if integer:
        return Cond(attribute, "<=", (_number(math.ceil(high) - 1, True),))
    return Cond(attribute, "<", (_number(high, False),))


def subgroup_rule(sub: Subgroup, catalog: Catalog) -> tuple[Node, str]:
    """The subgroup as a rule tree and its canonical text."""
    conditions: list[Cond] = []
    for selector in sub.selectors:
        attribute = catalog.get(selector.column) if not selector.column.startswith(CHALLENGE_PREFIX) else None
        bounded = selector.kind == "range" and selector.low is not None and selector.high is not None
        if bounded and attribute is not None and (attribute.money or not attribute.integer):
            conditions.append(_range(attribute, selector.low, None))
            conditions.append(_range(attribute, None, selector.high))
        else:
            conditions.append(selector_condition(selector, catalog))
    node: Node = conditions[0] if len(conditions) == 1 else All(tuple(conditions))
    return node, format_rule(node)
