"""The ICP pages on SQLite and PostgreSQL: workbench, live count and errors with their position, discovery,
saving once per form (audited, marketing only), adoption, the evidence card with PNG/PDF export,
new-ICP candidates, and escaping of everything users type."""

from __future__ import annotations

import html
import re
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from argon2 import PasswordHasher
from conftest import Client
from helpers import count
from icp_workspace import N_CUSTOMERS, PLANTED, declare_workspace
from sqlalchemy import Engine, func, select

from tenbin.auth import passwords
from tenbin.db import schema
from tenbin.icp import service as icp

Login = Callable[..., Client]
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign-ins with a cheap argon2 setting: these tests sign in a dozen times and test ICP pages, not
    password hashing (tests/web/test_auth.py covers that with the real setting)."""
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def planted(engine: Engine) -> tuple[int, int]:
    """The declared workspace; returns (accounts, customers) matching the planted rule, counted from the
    declaration itself, not by the code under test."""
    _, data = declare_workspace(engine)
    return int(data["planted"].sum()), int(data["planted"][:N_CUSTOMERS].sum())


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def form_token(client: Client) -> str:
    found = TOKEN.search(client.page("/icp").text)  # type: ignore[attr-defined]
    assert found, "the save form carries a one-time token"
    return found.group(1)


def audit_count(engine: Engine, action: str) -> int:
    with engine.connect() as conn:
        a = schema.audit_log
        return int(conn.execute(select(func.count()).where(a.c.action == action)).scalar_one())


def test_pages_show_edit_controls_only_to_icp_editors(login: Login, engine: Engine, planted: tuple[int, int]) -> None:
    icp.save_icp_version(engine, name="v1", rules=PLANTED, actor="t", adopt=True, notes_fit="属人化の課題")
    icp.save_icp_version(engine, name="v2", rules='industry = "E"', actor="t")
    viewer, marketing = login("viewer"), login("marketing")

    page = viewer.page("/icp").text  # type: ignore[attr-defined]
    assert "ICP ワークベンチ" in page and "属人化の課題" in page and 'id="icp-rules"' in page
    assert 'action="/icp/versions"' not in page and "form_token" not in page and "/adopt" not in page
    assert 'href="/icp" aria-current="page"' in page  # the navigation link
    edit = marketing.page("/icp").text  # type: ignore[attr-defined]
    assert 'action="/icp/versions"' in edit and 'name="notes_fit"' in edit and 'name="adopt"' in edit
    assert 'action="/icp/versions/2/adopt"' in edit and 'action="/icp/versions/1/adopt"' not in edit  # v1 is current

    for client in (viewer, marketing):
        card = client.page("/icp/versions/1").text  # type: ignore[attr-defined]
        assert "ICP 根拠カード" in card and "/icp/versions/1/card.png" in card and "属人化の課題" in card
        assert "data-icp-spec" in card  # the chart
    assert "ICP ワークベンチ" in viewer.page("/").text  # type: ignore[attr-defined]  # linked from home
    candidates = viewer.page("/icp/candidates").text  # type: ignore[attr-defined]
    assert "新たなICP候補" in candidates and "ICP v1 の外" in candidates and "/adopt" not in candidates


def test_live_count_and_rule_errors_with_their_position(login: Login, planted: tuple[int, int]) -> None:
    viewer = login("viewer")
    accounts, customers = planted
    r = viewer.submit("/icp/check", {"rules": "業種 = 製造業 and 従業員数 between 300 and 999"})
    assert r.status_code == 200  # type: ignore[attr-defined]
    fragment = r.text  # type: ignore[attr-defined]
    assert f'data-accounts="{accounts}" data-customers="{customers}"' in fragment
    assert f"該当企業 {accounts} / 500 社、うち顧客 {customers} / {N_CUSTOMERS} 社" in text_of(fragment)
    assert PLANTED in text_of(fragment)  # the canonical rule

    r = viewer.submit("/icp/check", {"rules": '業界 = "x"'})
    assert 'data-error-code="ICP_RULE_UNKNOWN_ATTRIBUTE"' in r.text and 'data-position="1"' in r.text  # type: ignore[attr-defined]
    r = viewer.submit("/icp/check", {"rules": 'industry = "E" and 業界 = "x"'})
    fragment = r.text  # type: ignore[attr-defined]
    assert 'data-error-code="ICP_RULE_UNKNOWN_ATTRIBUTE"' in fragment and 'data-position="20"' in fragment
    assert "20 文字目" in text_of(fragment) and "<mark>業</mark>" in fragment
    english = login("viewer", username="viewer-en", locale="en")
    fragment = english.submit("/icp/check", {"rules": 'industry = "E" and 業界 = "x"'}).text  # type: ignore[attr-defined]
    assert "Unknown attribute '業界' at position 20" in text_of(fragment)
    assert "Type a rule" in english.submit("/icp/check", {"rules": "  "}).text  # type: ignore[attr-defined]

    evidence = viewer.submit("/icp/evidence", {"rules": PLANTED}).text  # type: ignore[attr-defined]
    assert f"{customers}/{N_CUSTOMERS}" in text_of(evidence) and "data-icp-spec" in evidence

    page = viewer.page("/icp/candidates")  # no current ICP yet: an empty state that says what to do
    assert page.status_code == 200  # type: ignore[attr-defined]
    assert "先に ICP を保存して採用してください" in page.text and 'href="/icp"' in page.text  # type: ignore[attr-defined]


def test_discovery_offers_the_planted_rule_first(login: Login, planted: tuple[int, int]) -> None:
    viewer = login("viewer")
    fragment = viewer.submit("/icp/discover", {"target": "ltv", "depth": "3"}).text  # type: ignore[attr-defined]
    best = re.search(r'<p class="notice icp-best">(.*?)</p>', fragment, re.S)
    assert best, fragment[:2000]
    assert PLANTED in text_of(best.group(1))
    first = re.search(r'<tr data-rank="1" class="(\w+-\w+)">(.*?)</tr>', fragment, re.S)
    assert first and first.group(1) == "icp-passed" and PLANTED in text_of(first.group(2))
    assert 'data-use-rule="{}"'.format(PLANTED.replace('"', "&#34;")) in fragment
    assert 'id="icp-compare"' in fragment and fragment.count('data-col="1"') > 10  # one cell per compared measure
    unknown = viewer.submit("/icp/discover", {"target": "nope", "depth": "3"})
    assert 'data-error-code="ICP_TARGET_UNKNOWN"' in unknown.text  # type: ignore[attr-defined]


def test_discovery_form_options_reach_the_search(login: Login, planted: tuple[int, int]) -> None:
    viewer = login("viewer")
    form = {"target": "ltv", "depth": "1", "min_support": "37", "ltv_basis": "annualised", "seed": "5"}
    fragment = viewer.submit("/icp/discover", form).text  # type: ignore[attr-defined]
    summary = re.search(r'<p class="hint icp-discovery-summary">(.*?)</p>', fragment, re.S)
    assert summary and "最小サイズ 37" in text_of(summary.group(1)), fragment[:1500]
    for bad in ("1", "abc"):
        wrong = viewer.submit("/icp/discover", {"target": "ltv", "depth": "3", "min_support": bad}).text  # type: ignore[attr-defined]
        assert 'data-error-code="ICP_OPTION_INVALID"' in wrong and "min_support" in wrong


def test_saving_once_per_form_audited_for_marketing_only_then_adopt(
    login: Login, engine: Engine, planted: tuple[int, int]
) -> None:
    viewer, marketing = login("viewer"), login("marketing")
    token = form_token(marketing)
    form = {"name": "中堅製造業", "rules": PLANTED, "notes_ltv": "LTV が 3 倍", "notes_fit": "課題が合う",
            "notes_market": "未取引 23 社", "adopt": "1", "form_token": token}  # fmt: skip
    assert viewer.submit("/icp/versions", form).status_code == 403  # type: ignore[attr-defined]
    assert count(engine, "icp_versions") == 0

    with ThreadPoolExecutor(2) as pool:  # a double click: the same form twice at the same time
        both = list(pool.map(lambda _: marketing.submit("/icp/versions", form), range(2)))
    again = marketing.submit("/icp/versions", form)  # and once more later (back button, resend)
    for response in (*both, again):
        assert response.status_code == 200, response.text[:500]  # type: ignore[attr-defined]
        assert str(response.url).endswith("/icp/versions/1")  # type: ignore[attr-defined]
    assert "バージョン 1 として保存済み" in again.text  # type: ignore[attr-defined]
    assert count(engine, "icp_versions") == 1 and audit_count(engine, "icp.version.create") == 1
    saved = icp.get_icp_version(engine)
    assert saved.version == 1 and saved.notes_market == "未取引 23 社" and saved.author == "user-marketing"

    bad_rule = 'industry = "E" and 業界 = "x"'
    bad = marketing.submit("/icp/versions", {**form, "rules": bad_rule, "form_token": token + "b"})
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert 'aria-invalid="true">industry = &#34;E&#34; and 業界' in bad.text  # type: ignore[attr-defined]  # kept, marked
    assert 'data-error-code="ICP_RULE_UNKNOWN_ATTRIBUTE"' in bad.text  # type: ignore[attr-defined]
    long = marketing.submit("/icp/versions", {**form, "notes_fit": "あ" * 5001, "form_token": token + "c"})
    assert long.status_code == 400 and 'data-error-code="ICP_NOTE_TOO_LONG"' in long.text  # type: ignore[attr-defined]
    assert count(engine, "icp_versions") == 1

    second = {**form, "rules": 'industry = "E"', "adopt": "", "form_token": form_token(marketing)}
    assert str(marketing.submit("/icp/versions", second).url).endswith("/icp/versions/2")  # type: ignore[attr-defined]
    assert icp.get_icp_version(engine).version == 1
    assert viewer.submit("/icp/versions/2/adopt").status_code == 403  # type: ignore[attr-defined]
    adopted = marketing.submit("/icp/versions/2/adopt")
    assert adopted.status_code == 200 and "バージョン 2 を現在の ICP にしました" in adopted.text  # type: ignore[attr-defined]
    assert icp.get_icp_version(engine).version == 2 and audit_count(engine, "icp.version.adopt") == 2


def test_evidence_card_exports_png_and_pdf(login: Login, engine: Engine, planted: tuple[int, int]) -> None:
    icp.save_icp_version(engine, name="中堅製造業", rules=PLANTED, actor="t", adopt=True, notes_ltv="粗利が高い")
    viewer = login("viewer")
    png = viewer.get("/icp/versions/1/card.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"  # type: ignore[attr-defined]
    body: bytes = png.content  # type: ignore[attr-defined]
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and body[12:16] == b"IHDR"
    width, height = struct.unpack(">II", body[16:24])
    assert width > 600 and height > 600
    pdf = viewer.get("/icp/versions/1/card.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")  # type: ignore[attr-defined]
    assert viewer.get("/icp/versions/7/card.png").status_code == 404  # type: ignore[attr-defined]


def test_everything_typed_is_escaped(login: Login, engine: Engine, planted: tuple[int, int]) -> None:
    rule = f'name contains "{SCRIPT}"'
    icp.save_icp_version(engine, name=SCRIPT, rules=rule, actor="t", adopt=True, notes_ltv=SCRIPT, notes_fit=SCRIPT)
    viewer = login("viewer")
    for url in ("/icp", "/icp/versions/1"):
        page = viewer.page(url).text  # type: ignore[attr-defined]
        assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    for rules in (rule, SCRIPT):  # a valid rule echoed back, and one that fails at the "<"
        fragment = viewer.submit("/icp/check", {"rules": rules}).text  # type: ignore[attr-defined]
        assert SCRIPT not in fragment and "&lt;script&gt;" in fragment, rules


def test_account_and_lead_pages_explain_the_current_icp(login: Callable[..., Client], engine: Engine) -> None:
    from icp_workspace import N_CUSTOMERS, declare_workspace

    from tenbin.icp import service as icp

    _, data = declare_workspace(engine)
    viewer = login("viewer")
    page = viewer.page("/records/accounts/1")
    empty = page.text.split('id="icp-explanation"')[1].split("</section>")[0]
    assert "現在の ICP バージョンがまだありません" in empty and 'href="/icp"' in empty  # says what to do, links there
    icp.save_icp_version(engine, name="中堅製造業", rules='industry = "E" and employees between 300 and 999',
                         actor="t", adopt=True)  # fmt: skip
    inside = int(data["planted"].nonzero()[0][0]) + 1
    page = viewer.page(f"/records/accounts/{inside}")
    section = page.text.split('id="icp-explanation"')[1].split("</section>")[0]
    assert "ICP に該当" in section and "ICP に該当しない" not in section and section.count("✓") == 2
    assert "製造業" in section  # the company's industry by name, in the user's language
    lead_page = login("sales", username="sales-en", locale="en").page("/records/contacts/1")  # a prospect's lead
    lead = lead_page.text.split('id="icp-explanation"')[1].split("</section>")[0]
    matches = bool(data["planted"][N_CUSTOMERS])  # the first lead belongs to the first prospect
    assert ("Matches the ICP" in lead) == matches and ("Does not match the ICP" in lead) == (not matches)


CRITERIA = ['industry = "E"', "従業員数 between 300 and 999"]


def criteria_form(threshold: str, rules: str = "", criteria: list[str] | None = None,
                  weights: list[str] | None = None) -> dict[str, object]:  # fmt: skip
    return {"rules": rules, "criterion_rule": criteria or CRITERIA, "criterion_weight": weights or ["3", "1"],
            "threshold": threshold}  # fmt: skip


def words(fragment: str) -> str:
    """The text of a fragment with its whitespace squashed (as a reader sees it)."""
    return " ".join(text_of(fragment).split())


def matched(fragment: str) -> tuple[int, int]:
    found = re.search(r'data-accounts="(\d+)" data-customers="(\d+)"', fragment)
    assert found, fragment[:1000]
    return int(found.group(1)), int(found.group(2))


def test_live_count_with_weighted_criteria_equals_a_count_by_hand(login: Login, engine: Engine) -> None:
    """Weights 3 (industry E) and 1 (300–999 employees): a score ≥ 75 needs industry E, 100 needs both,
    25 either; counted here from the declaration, not by the code under test."""
    _, data = declare_workspace(engine)
    e = data["industry"] == "E"
    mid = (data["employees"] >= 300) & (data["employees"] <= 999)

    def by_hand(mask: np.ndarray) -> tuple[int, int]:
        return int(mask.sum()), int(mask[:N_CUSTOMERS].sum())

    viewer = login("viewer")
    for threshold, expected in (("75", e), ("100", e & mid), ("25", e | mid), ("０", e | ~e)):
        fragment = viewer.submit("/icp/check", criteria_form(threshold)).text  # type: ignore[attr-defined]
        assert matched(fragment) == by_hand(expected), threshold
    assert by_hand(e & mid) == by_hand(data["planted"])
    fragment = viewer.submit("/icp/check", criteria_form("75")).text  # type: ignore[attr-defined]
    assert "解釈: 重み付き条件 2 件の適合スコアが 75 以上(ルールなし)" in words(fragment)

    # the rule AND the score; blank rows are left out; full-width numbers are read
    both_ways = criteria_form("７５%", rules="employees >= 300", criteria=["", CRITERIA[0], " ", CRITERIA[1]],
                              weights=["1", "３", "2", "1"])  # fmt: skip
    fragment = viewer.submit("/icp/check", both_ways).text  # type: ignore[attr-defined]
    assert matched(fragment) == by_hand(e & (data["employees"] >= 300))
    assert 'data-criteria="2" data-threshold="75"' in fragment and "employees &gt;= 300" in fragment
    assert "解釈: employees >= 300 かつ、重み付き条件 2 件の適合スコアが 75 以上" in words(fragment)

    evidence = viewer.submit("/icp/evidence", criteria_form("100")).text  # type: ignore[attr-defined]
    accounts, customers = by_hand(e & mid)
    assert f"{customers}/{N_CUSTOMERS}" in words(evidence) and f"{accounts} / 500" in words(evidence)
    assert "重み付き条件 2 件の適合スコアが 100 以上(ルールなし)" in words(evidence)


def test_criterion_errors_name_their_row_and_position(login: Login, planted: tuple[int, int]) -> None:
    viewer = login("viewer")
    bad = criteria_form("75", criteria=['industry = "E"', '業界 = "x"'])
    fragment = viewer.submit("/icp/check", bad).text  # type: ignore[attr-defined]
    assert 'data-error-code="ICP_RULE_UNKNOWN_ATTRIBUTE"' in fragment and 'data-position="1"' in fragment
    assert 'data-part="rule" data-row="2"' in fragment and 'data-goto-row="2"' in fragment
    assert "重み付き条件 2: 1 文字目の属性 '業界' はありません" in words(fragment) and "<mark>業</mark>" in fragment

    # the row as shown, blank rows counted; the position inside that criterion's rule
    shown = criteria_form("75", criteria=["", CRITERIA[0], 'industry = "E" and 業界 = "x"'], weights=["1", "3", "1"])
    fragment = viewer.submit("/icp/check", shown).text  # type: ignore[attr-defined]
    assert 'data-row="3"' in fragment and 'data-position="20"' in fragment
    assert "重み付き条件 3: 20 文字目" in words(fragment)
    fragment = viewer.submit("/icp/evidence", shown).text  # type: ignore[attr-defined]
    assert 'data-error-code="ICP_RULE_UNKNOWN_ATTRIBUTE"' in fragment and 'data-row="3"' in fragment
    english = login("viewer", username="viewer-en", locale="en").submit("/icp/check", shown).text  # type: ignore[attr-defined]
    assert "Weighted criterion 3: Unknown attribute '業界' at position 20" in words(english)

    weight = viewer.submit("/icp/check", criteria_form("75", weights=["3", "abc"])).text  # type: ignore[attr-defined]
    assert 'data-error-code="ICP_CRITERIA_INVALID"' in weight and 'data-part="weight" data-row="2"' in weight
    assert "重み付き条件 2: 重み 'abc' は 0 より大きく 1000 以下の数ではありません" in words(weight)
    zero = viewer.submit("/icp/check", criteria_form("75", weights=["0", "1"])).text  # type: ignore[attr-defined]
    assert 'data-part="weight" data-row="1"' in zero
    for threshold, problem in (("", "しきい値が空です"), ("150", "'150' は 0〜100 の数ではありません")):
        fragment = viewer.submit("/icp/check", criteria_form(threshold)).text  # type: ignore[attr-defined]
        assert 'data-error-code="ICP_CRITERIA_THRESHOLD"' in fragment and 'data-part="threshold"' in fragment
        assert f"適合スコアのしきい値: {problem}" in words(fragment)
    many = criteria_form("75", criteria=[f"employees >= {i}" for i in range(31)], weights=["1"] * 31)
    fragment = viewer.submit("/icp/check", many).text  # type: ignore[attr-defined]
    assert 'data-error-code="ICP_CRITERIA_INVALID"' in fragment and "重み付き条件は 30 件までです" in words(fragment)
    empty_rule_ok = viewer.submit("/icp/check", criteria_form("75", criteria=["", ""])).text  # type: ignore[attr-defined]
    assert "ルールを入力すると" in empty_rule_ok  # blank criteria and no rule: nothing to count yet


def test_saving_with_criteria_stores_them_and_the_card_and_versions_show_them(
    login: Login, engine: Engine, planted: tuple[int, int]
) -> None:
    marketing = login("marketing")
    form = {**criteria_form("75", criteria=["", *CRITERIA], weights=["1", "3", "1"]), "name": "製造業スコア",
            "notes_ltv": "", "notes_fit": "", "notes_market": "", "adopt": "1",
            "form_token": form_token(marketing)}  # fmt: skip

    bad = marketing.submit("/icp/versions", {**form, "criterion_weight": ["1", "3", "x"]})
    assert bad.status_code == 400 and count(engine, "icp_versions") == 0  # type: ignore[attr-defined]
    page = bad.text  # type: ignore[attr-defined]
    assert 'data-error-code="ICP_CRITERIA_INVALID"' in page and "重み付き条件 3: 重み 'x'" in words(page)
    assert 'value="x" class="icp-criterion-weight" data-part="weight"' in page  # kept as typed …
    assert re.search(r'value="x"[^>]*aria-invalid="true"', page)  # … and marked
    assert '<details class="icp-criteria" id="icp-criteria" open' in page

    saved_page = marketing.submit("/icp/versions", form)
    assert str(saved_page.url).endswith("/icp/versions/1")  # type: ignore[attr-defined]
    saved = icp.get_icp_version(engine, version=1)
    assert saved.rules == "" and saved.threshold == 75 and saved.is_current
    # stored in canonical form, like the rule (従業員数 → employees)
    assert saved.criteria == (icp.Criterion('industry = "E"', 3.0), icp.Criterion("employees between 300 and 999", 1.0))
    assert saved.evidence is not None
    industry_e = icp.check_rule(engine, rules='industry = "E"').accounts
    assert saved.evidence["accounts"] == industry_e  # the snapshot is of the weighted definition

    card = words(saved_page.text)  # type: ignore[attr-defined]
    assert "次の重み付き条件で適合スコア 75 以上(ルールなし)" in card
    assert re.search(r'1 industry = "E" 3 75.0%', card) and re.search(r"2 employees between 300 and 999 1 25.0%", card)
    workbench = marketing.page("/icp").text  # type: ignore[attr-defined]
    current = words(workbench.split('class="card icp-current"')[1].split("</section>")[0])
    versions = words(workbench.split('class="list icp-versions"')[1].split("</table>")[0])
    for shown in (current, versions):
        assert "適合スコア 75 以上" in shown and 'industry = "E" ×3' in shown
        assert "employees between 300 and 999 ×1" in shown
