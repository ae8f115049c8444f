"""The weighted criteria of the workbench's rule editor as a form: rows of (rule, weight) and a
fit-score threshold, read from the submitted fields into the ICP service's criteria.

The fields are read here because the service takes numbers: a weight or threshold that is not a
number never reaches it, and gets an error in the reader's language that names its row. Rows whose
rule is blank are left out (an added row not filled in yet); errors still name the row as shown,
so the service's 1-based criterion index is mapped back to the row on the page.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tenbin.errors import ErrorCode, Place, TenbinError
from tenbin.icp import service as icp
from tenbin.icp.errors import ICP_CRITERIA_INVALID

MAX_CRITERIA = 30  # the service's limit
MAX_WEIGHT = 1000.0  # as the REST API
MAX_ROWS = 200  # rows read at all (blank ones included): a bound on a hand-made request
FIELDS = "rules,criterion_rule,criterion_weight,threshold"  # what the live check and evidence send
T = TypeVar("T")

ICP_CRITERIA_THRESHOLD = ErrorCode(
    "ICP_CRITERIA_THRESHOLD",
    "Fit-score threshold: {problem}. An account matches when the criteria it meets carry at least this "
    "percentage of the total weight; enter a number from 0 to 100.",
    "適合スコアのしきい値: {problem}。満たした条件の重みの合計が全体の何%以上なら該当とするかを、"
    "0〜100 の数で入力してください。",
)


def _both(ja: str, en: str) -> dict[str, str]:
    """A message parameter in both languages (rendered in the reader's, see ErrorCode.render)."""
    return {"ja": ja, "en": en}


def _number(text: str) -> float | None:
    """A number typed in either width (３.５ or 3.5), with an optional trailing %; None otherwise."""
    plain = unicodedata.normalize("NFKC", text).strip().removesuffix("%").strip().replace(",", "")
    try:
        value = float(plain)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Parsed:
    """The criteria to give the service, the threshold, and the page row of each criterion."""

    criteria: list[icp.Criterion]
    threshold: float | None
    rows: tuple[int, ...]

    def locate(self, error: TenbinError) -> TenbinError:
        """Point a criterion's error (the service counts only the criteria sent) at its row on the page."""
        index = error.place.row
        if index and 1 <= index <= len(self.rows):
            error.place.row = self.rows[index - 1]
            if error.code == ICP_CRITERIA_INVALID.code:
                error.params["index"] = error.place.row
        return error

    def run(self, call: Callable[[list[icp.Criterion], float | None], T]) -> T:
        """``call(criteria, threshold)``, with a criterion's error pointed at its row."""
        try:
            return call(self.criteria, self.threshold)
        except TenbinError as error:
            raise self.locate(error) from None


@dataclass(frozen=True)
class CriteriaForm:
    """The criteria part of the editor as typed, kept as typed to show the form again."""

    rows: tuple[tuple[str, str], ...] = ()
    threshold: str = ""

    @classmethod
    def read(cls, rules: list[str], weights: list[str], threshold: str) -> CriteriaForm:
        weights = weights + [""] * (len(rules) - len(weights))
        return cls(tuple(zip(rules[:MAX_ROWS], weights, strict=False)), threshold[:50])

    def filled(self) -> list[tuple[int, str, str]]:
        """(page row, rule, weight) of the rows with a rule."""
        return [(row, rule, weight) for row, (rule, weight) in enumerate(self.rows, start=1) if rule.strip()]

    def as_dict(self) -> dict[str, Any]:
        return {"criteria": [list(r) for r in self.rows], "threshold": self.threshold}

    def parse(self) -> Parsed:
        """The criteria and threshold as numbers; raises ICP_CRITERIA_INVALID (with the row) or
        ICP_CRITERIA_THRESHOLD."""
        filled = self.filled()
        if len(filled) > MAX_CRITERIA:
            row = filled[MAX_CRITERIA][0]
            problem = _both(f"重み付き条件は {MAX_CRITERIA} 件までです", f"at most {MAX_CRITERIA} criteria")
            raise TenbinError(ICP_CRITERIA_INVALID, {"index": row, "problem": problem}, Place(row=row))
        criteria = [icp.Criterion(rule, _weight(row, weight)) for row, rule, weight in filled]
        threshold = _threshold(self.threshold) if criteria else None
        return Parsed(criteria, threshold, tuple(row for row, _, _ in filled))


def _weight(row: int, text: str) -> float:
    value = _number(text)
    if value is not None and 0 < value <= MAX_WEIGHT:
        return value
    if not text.strip():
        problem = _both("重みが空です。0 より大きい数を入力してください", "the weight is empty; enter a number above 0")
    else:
        problem = _both(f"重み {text.strip()!r} は 0 より大きく {MAX_WEIGHT:g} 以下の数ではありません",
                        f"the weight {text.strip()!r} is not a number above 0 and at most {MAX_WEIGHT:g}")  # fmt: skip
    raise TenbinError(ICP_CRITERIA_INVALID, {"index": row, "problem": problem}, Place(row=row, field="weight"))


def _threshold(text: str) -> float:
    value = _number(text)
    if value is not None and 0 <= value <= 100:
        return value
    if not text.strip():
        problem = _both("しきい値が空です", "the threshold is empty")
    else:
        typed = text.strip()
        problem = _both(f"{typed!r} は 0〜100 の数ではありません", f"{typed!r} is not a number from 0 to 100")
    raise TenbinError(ICP_CRITERIA_THRESHOLD, {"problem": problem}, Place(field="threshold"))


def error_where(error: TenbinError) -> dict[str, Any]:
    """Which input of the editor an error is about: ``part`` is rules (the main rule), rule or weight
    (of criterion ``row``), threshold, or criteria (the list as a whole)."""
    row = error.place.row
    if error.code == ICP_CRITERIA_THRESHOLD.code:
        return {"row": None, "part": "threshold"}
    if error.code == ICP_CRITERIA_INVALID.code:
        part = "weight" if error.place.field == "weight" else "criteria"
        return {"row": row if part == "weight" else None, "part": part, "criterion": row}
    if row:
        return {"row": row, "part": "rule", "criterion": row}
    return {"row": None, "part": "rules"}


def marked_text(rules: str, criteria: CriteriaForm, error: TenbinError) -> str:
    """The text an error's position refers to: the main rule, or the rule of the criterion's row."""
    where = error_where(error)
    row = where["row"]
    if where["part"] == "rule" and row and row <= len(criteria.rows):
        return str(criteria.rows[row - 1][0])
    return rules
