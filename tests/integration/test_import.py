"""Importing real-world files: encodings, presets, 名寄せ, and bad input that writes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from helpers import count, snapshot
from sqlalchemy import Engine, select

from tenbin.db import schema
from tenbin.errors import TenbinError
from tenbin.imports.service import ImportOptions, import_file

LEADS = (
    "会社名,法人番号,姓,名,メールアドレス,電話番号,部署,役職,業種,従業員数,都道府県,郵便番号,作成日,資本金\n"
    "株式会社東洋精機,7000012050002,佐藤,太郎,taro@toyo-seiki.co.jp,03-1234-5678,製造部,部長,製造業,350名,東京都,"
    "100-0001,2025/4/1,100000000\n"
    "東洋精機(株),,鈴木,花子,hanako@toyo-seiki.co.jp,312345678,品質保証部,課長,製造,350,東京,1000001,令和7年4月2日,"
    "100000000\n"
    "北斗物流株式会社,,高橋,一郎,ichiro@hokuto-logi.jp,090-1111-2222,物流部,主任,運輸業，郵便業,120,13,600001,"
    "2025-04-03,30000000\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(engine: Engine, entity: str, path: Path, **kw: object) -> object:
    return import_file(engine, entity, path, ImportOptions(**kw))  # type: ignore[arg-type]


def rows(engine: Engine, table: str, *cols: str) -> list[tuple[object, ...]]:
    t = schema.metadata.tables[table]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*(t.c[c] for c in cols)).order_by(t.c.id))]


def fails(engine: Engine, entity: str, path: Path, code: str, **kw: object) -> TenbinError | object:
    """Import must fail with ``code`` and leave every table as it was."""
    before = snapshot(engine)
    try:
        report = run(engine, entity, path, **kw)
    except TenbinError as exc:
        assert exc.code == code, exc
        assert snapshot(engine) == before
        return exc
    assert report.status == "rejected", report  # type: ignore[attr-defined]
    assert code in report.issue_codes, report.issues  # type: ignore[attr-defined]
    assert snapshot(engine) == before
    return report


def test_lead_file_creates_contacts_and_deduplicated_accounts(engine: Engine, tmp_path: Path) -> None:
    report = run(engine, "leads", write(tmp_path, "leads.csv", LEADS))
    assert (report.counts.inserted, report.account_counts.inserted) == (3, 2)  # type: ignore[attr-defined]
    accounts = rows(
        engine,
        "accounts",
        "name",
        "name_key",
        "corporate_number",
        "industry_code",
        "employee_band",
        "prefecture_code",
        "postal_code",
        "domain",
    )
    assert accounts == [
        (
            "株式会社東洋精機",
            "東洋精機",
            "7000012050002",
            "E",
            "300-499",
            "13",
            "100-0001",
            "toyo-seiki.co.jp",
        ),
        ("北斗物流株式会社", "北斗物流", None, "H", "100-299", "13", "060-0001", "hokuto-logi.jp"),
    ]
    contacts = rows(engine, "contacts", "last_name", "phone", "level", "acquired_at", "account_id")
    assert contacts[1] == ("鈴木", "0312345678", "manager", dt.datetime(2025, 4, 2), 1)
    assert contacts[2][1:3] == ("09011112222", "staff")
    defs = rows(engine, "attribute_definitions", "entity", "key", "type")
    assert defs == [("contacts", "資本金", "number")]


def test_reimporting_the_same_file_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "leads.csv", LEADS)
    run(engine, "leads", path)
    before = snapshot(engine)
    again = run(engine, "leads", path)
    assert (again.counts.inserted, again.counts.updated, again.counts.unchanged) == (0, 0, 3)  # type: ignore[attr-defined]
    assert snapshot(engine) == before


def test_update_is_reported_with_old_and_new_value(engine: Engine, tmp_path: Path) -> None:
    run(engine, "leads", write(tmp_path, "a.csv", LEADS))
    changed = LEADS.replace("製造部,部長", "生産技術部,部長")
    report = run(engine, "leads", write(tmp_path, "b.csv", changed))
    assert report.counts.updated == 1  # type: ignore[attr-defined]
    assert [(c.field, c.old, c.new) for c in report.changes] == [("department", "製造部", "生産技術部")]  # type: ignore[attr-defined]


def test_cp932_file_with_non_jis_x0208_characters(engine: Engine, tmp_path: Path) -> None:
    text = "会社名,メールアドレス,姓,名\n㈱髙島屋商事,a@takashimaya-shoji.jp,髙橋,①郎\n"
    report = run(engine, "leads", write(tmp_path, "sjis.csv", text, "cp932"))
    assert report.encoding == "cp932"  # type: ignore[attr-defined]
    assert rows(engine, "accounts", "name", "name_key") == [("(株)髙島屋商事", "髙島屋商事")]
    assert rows(engine, "contacts", "last_name", "first_name") == [("髙橋", "1郎")]


def test_wrong_forced_encoding_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "sjis.csv", "会社名,メールアドレス\n株式会社テスト,a@test.jp\n", "cp932")
    fails(engine, "leads", path, "IMPORT_ENCODING_INVALID", encoding="utf-8")


def test_bom_in_first_header_is_removed(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", "\ufeff会社名,メールアドレス\n株式会社テスト,a@test.jp\n")
    report = run(engine, "leads", path, encoding="utf-8")
    assert report.columns[0]["field"] == "account.name"  # type: ignore[attr-defined]


def test_missing_required_column(engine: Engine, tmp_path: Path) -> None:
    fails(
        engine,
        "campaigns",
        write(tmp_path, "c.csv", "施策名,費用\n展示会2025,100000\n"),
        "IMPORT_MISSING_COLUMN",
    )


def test_bad_corporate_number_check_digit(engine: Engine, tmp_path: Path) -> None:
    report = fails(
        engine,
        "accounts",
        write(tmp_path, "a.csv", "会社名,法人番号\n国税庁,1000012050002\n"),
        "VALUE_CORPORATE_NUMBER_CHECK_DIGIT",
    )
    issue = report.issues[0]  # type: ignore[union-attr]
    assert (issue["row"], issue["column"], issue["value"]) == (2, "法人番号", "1000012050002")


def test_duplicate_ids_in_one_file(engine: Engine, tmp_path: Path) -> None:
    text = "ID,会社名\nA-1,株式会社あ\nA-2,株式会社い\nA-1,株式会社う\n"
    report = fails(engine, "accounts", write(tmp_path, "a.csv", text), "IMPORT_DUPLICATE_KEY")
    assert report.issues[0]["row"] == 4  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2025/13/45", "VALUE_DATE_IMPOSSIBLE"),
        ("2025/2/30", "VALUE_DATE_IMPOSSIBLE"),
        ("来週", "VALUE_DATE_FORMAT"),
        ("45748", "VALUE_DATE_FORMAT"),
    ],
)
def test_malformed_and_impossible_dates(engine: Engine, tmp_path: Path, value: str, code: str) -> None:
    fails(
        engine,
        "accounts",
        write(tmp_path, "a.csv", f"会社名,取引開始日\n株式会社あ,2025/4/1\n株式会社い,{value}\n"),
        code,
    )


def test_negative_employees(engine: Engine, tmp_path: Path) -> None:
    fails(engine, "accounts", write(tmp_path, "a.csv", "会社名,従業員数\n株式会社あ,-5\n"), "VALUE_NEGATIVE")


def test_one_megabyte_field(engine: Engine, tmp_path: Path) -> None:
    big = "あ" * 1_000_000
    fails(engine, "challenges", write(tmp_path, "c.csv", f"課題,詳細\n人手が足りない,{big}\n"), "VALUE_TOO_LONG")


def test_empty_and_header_only_files(engine: Engine, tmp_path: Path) -> None:
    fails(engine, "accounts", write(tmp_path, "e.csv", ""), "IMPORT_FILE_EMPTY")
    fails(engine, "accounts", write(tmp_path, "h.csv", "会社名,法人番号\n"), "IMPORT_NO_ROWS")


def test_excel_mangled_postal_codes_and_phones(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["会社名", "郵便番号", "電話番号", "取引開始日"])
    ws.append(["株式会社札幌機械", 600001, 112345678, dt.datetime(2024, 4, 1)])
    wb.save(path)
    run(engine, "accounts", path)
    assert rows(engine, "accounts", "postal_code", "phone", "customer_since") == [
        ("060-0001", "0112345678", dt.date(2024, 4, 1))
    ]


def test_formula_cells_are_data_never_executed(engine: Engine, tmp_path: Path) -> None:
    text = '課題,詳細\n=cmd|\' /C calc\'!A0,"=HYPERLINK(""http://x"")"\n'
    run(engine, "challenges", write(tmp_path, "c.csv", text))
    assert rows(engine, "challenges", "statement") == [("=cmd|' /C calc'!A0",)]
    from tenbin.imports.export import export_entity

    out = tmp_path / "out.csv"
    export_entity(engine, "challenges", out)
    assert "'=cmd|' /C calc'!A0" in out.read_text(encoding="utf-8-sig")


def test_reference_to_missing_campaign(engine: Engine, tmp_path: Path) -> None:
    run(engine, "leads", write(tmp_path, "l.csv", LEADS))
    run(engine, "campaigns", write(tmp_path, "c.csv", "施策名,チャネル\n春の展示会,展示会\n"))
    text = (
        "メールアドレス,施策名,オファー,反応日\ntaro@toyo-seiki.co.jp,春の展示会,資料請求,2025/4/1\n"
        "taro@toyo-seiki.co.jp,秋の展示会,資料請求,2025/9/1\n"
    )
    report = fails(engine, "responses", write(tmp_path, "r.csv", text), "IMPORT_REFERENCE_MISSING")
    assert report.issues[0]["row"] == 3  # type: ignore[union-attr]
    assert "秋の展示会" in report.issues[0]["message"]  # type: ignore[union-attr]


def test_skip_invalid_writes_valid_rows_and_a_rejects_file(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "会社名,従業員数\n株式会社あ,10\n株式会社い,-1\n株式会社う,30\n")
    report = run(engine, "accounts", path, skip_invalid=True)
    assert (report.counts.inserted, report.rejected) == (2, 1)  # type: ignore[attr-defined]
    rejects = (tmp_path / "a.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[1].startswith("3,VALUE_NEGATIVE")
    assert count(engine, "accounts") == 2


def test_dry_run_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    before = snapshot(engine)
    report = run(engine, "leads", write(tmp_path, "l.csv", LEADS), dry_run=True)
    assert report.status == "dry_run" and report.counts.inserted == 3  # type: ignore[attr-defined]
    assert snapshot(engine) == before


def test_salesforce_and_hubspot_presets(engine: Engine, tmp_path: Path) -> None:
    sf = (
        "リード ID,姓,名,会社名,メール,リードソース,リード状況,従業員数,都道府県\n"
        "00Q1,田中,一,株式会社SF,t@sf.co.jp,Web,新規,50,大阪府\n"
    )
    report = run(engine, "leads", write(tmp_path, "sf.csv", sf))
    assert report.preset == "salesforce"  # type: ignore[attr-defined]
    hs = "Record ID,First Name,Last Name,Email,Company Name,Lifecycle Stage\n901,Ken,Mori,k@hs.jp,HS株式会社,lead\n"
    report = run(engine, "leads", write(tmp_path, "hs.csv", hs))
    assert report.preset == "hubspot"  # type: ignore[attr-defined]
    assert rows(engine, "contacts", "external_id", "source", "lifecycle_stage") == [
        ("00Q1", "Web", "新規"),
        ("901", None, "lead"),
    ]


def test_houjin_csv_without_header(engine: Engine, tmp_path: Path) -> None:
    row = [
        "1",
        "7000012050002",
        "01",
        "0",
        "2024-01-01",
        "2015-10-05",
        "国税庁",
        "",
        "101",
        "東京都",
        "千代田区",
        "霞が関３丁目１－１",
        "",
        "13",
        "101",
        "1008978",
        "",
        "",
        "",
        "",
        "",
        "",
        "2015-10-05",
        "1",
        "National Tax Agency",
        "",
        "",
        "",
        "コクゼイチョウ",
        "0",
    ]
    path = write(tmp_path, "00_zenkoku.csv", ",".join(row) + "\n", "cp932")
    report = run(engine, "accounts", path)
    assert report.preset == "houjin"  # type: ignore[attr-defined]
    assert rows(engine, "accounts", "corporate_number", "name", "prefecture_code", "postal_code", "name_kana") == [
        ("7000012050002", "国税庁", "13", "100-8978", "コクゼイチョウ")
    ]


def test_match_by_corporate_number_then_name(engine: Engine, tmp_path: Path) -> None:
    run(engine, "accounts", write(tmp_path, "a.csv", "会社名,法人番号\n株式会社東洋精機,7000012050002\n"))
    report = run(engine, "accounts", write(tmp_path, "b.csv", "会社名,従業員数\n東洋精機㈱,400\n"))
    assert (report.counts.inserted, report.counts.updated) == (0, 1)  # type: ignore[attr-defined]
    assert rows(engine, "accounts", "employees") == [(400,)]


def test_crm_export_headers_and_unnamed_deals(engine: Engine, tmp_path: Path) -> None:
    """An English CRM export: ``account`` names the company; a deal without a name is called by its
    company and id (or start date) instead of being rejected."""
    accounts = write(tmp_path, "accounts.csv", "account,sector,employees\nCancity,retail,120\nIsdom,medical,45\n")
    report = run(engine, "accounts", accounts)
    assert report.counts.inserted == 2  # type: ignore[attr-defined]
    deals = write(
        tmp_path,
        "pipeline.csv",
        "opportunity_id,account,deal_stage,engage_date,close_value\n"
        "1C1I7A6R,Cancity,Won,2016-10-20,1054\n"
        ",Isdom,Engaging,2016-10-25,\n",
    )
    report = run(engine, "opportunities", deals)
    assert report.status == "committed", report.issues  # type: ignore[attr-defined]
    assert rows(engine, "opportunities", "name", "status", "amount") == [
        ("Cancity / 1C1I7A6R", "won", 1054),
        ("Isdom / 2016-10-25", "open", None),
    ]


def test_an_import_moves_the_data_revision_once_and_keeps_the_triggers(engine: Engine, tmp_path: Path) -> None:
    def state() -> tuple[int, int]:
        with engine.connect() as conn:
            revision = int(conn.execute(select(schema.data_revision.c.revision)).scalar_one())
            if engine.dialect.name == "sqlite":
                query = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
            else:
                query = "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"
            return revision, int(conn.exec_driver_sql(query).scalar_one())

    revision, triggers = state()
    assert triggers > 0
    run(engine, "leads", write(tmp_path, "leads.csv", LEADS))  # 3 leads and 2 accounts: one move, not 5+
    assert state() == (revision + 1, triggers)
    run(engine, "leads", write(tmp_path, "l.csv", LEADS), dry_run=True)  # rolled back: no move
    assert state() == (revision + 1, triggers)
