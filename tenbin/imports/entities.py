"""The importable entities and their generic (Japanese + English) header names."""

from __future__ import annotations

from dataclasses import replace

from tenbin.imports import normalize as n
from tenbin.imports.specs import (
    CHALLENGE_STATUS,
    NOTE_MAX,
    OPPORTUNITY_STATUS,
    ORIENTATIONS,
    ROLES,
    SOURCE_TYPES,
    STANCES,
    TEAM_KINDS,
    EntitySpec,
    FieldSpec,
    choice,
    count,
    engagement,
    money_nonnegative,
    tags,
    text,
)

F = FieldSpec

ACCOUNT_FIELDS: tuple[FieldSpec, ...] = (
    F("external_id", text(255), ("external_id", "id", "企業ID", "取引先ID", "会社ID", "account_id")),
    F("corporate_number", n.corporate_number, ("corporate_number", "法人番号", "houjin_bangou")),
    F(
        "name",
        n.company_name,
        (
            "name",
            "company",
            "company_name",
            "account",
            "account_name",
            "会社名",
            "企業名",
            "取引先名",
            "法人名",
            "社名",
            "商号",
            "商号又は名称",
        ),
        label_ja="会社名",
    ),
    F("name_kana", text(300), ("name_kana", "会社名カナ", "会社名(カナ)", "フリガナ", "企業名カナ")),
    F("domain", n.domain, ("domain", "website", "url", "ドメイン", "webサイト", "ホームページ", "会社url")),
    F("industry", n.jsic, ("industry", "sector", "業種", "業界", "産業分類", "jsic")),
    F("employees", count, ("employees", "employee_count", "number_of_employees", "従業員数", "社員数", "従業員")),
    F("revenue", money_nonnegative, ("revenue", "annual_revenue", "売上高", "年商", "年間売上")),
    F("prefecture", n.prefecture, ("prefecture", "state", "都道府県", "都道府県コード", "所在地都道府県")),
    F("city", text(200), ("city", "市区町村", "市区郡")),
    F("address", text(500), ("address", "street", "住所", "所在地", "番地")),
    F("postal_code", n.postal_code, ("postal_code", "zip", "zipcode", "郵便番号")),
    F("phone", n.phone, ("phone", "tel", "電話", "電話番号", "代表電話", "代表電話番号")),
    F("listing", n.listing, ("listing", "上場区分", "上場市場", "市場区分", "上場")),
    F(
        "is_named_account",
        n.parse_bool,
        ("is_named_account", "named_account", "重点企業", "ターゲット企業", "ネームドアカウント"),
    ),
    F("customer_since", n.parse_date, ("customer_since", "取引開始日", "顧客化日", "初回受注日")),
    F("owner", text(200), ("owner", "account_owner", "担当営業", "所有者", "取引先所有者")),
)


def _account_ref(prefix_headers: tuple[str, ...] = ()) -> tuple[FieldSpec, ...]:
    """Fields that identify (and, in lead files, describe) the account a row belongs to."""
    mapping = {
        "external_id": ("account_external_id", "取引先ID", "企業ID", "会社ID", "account_id"),
        "corporate_number": ("corporate_number", "法人番号"),
        "name": (
            "company",
            "company_name",
            "account",
            "account_name",
            "会社名",
            "企業名",
            "取引先名",
            "勤務先",
            "法人名",
            "社名",
        ),
        "domain": ("company_domain", "website", "会社ドメイン", "webサイト", "会社url"),
    }
    result = []
    for f in ACCOUNT_FIELDS:
        headers = mapping.get(f.name)
        if headers is None:
            headers = tuple(h for h in f.headers if h not in {"id", "name", "external_id"})
        result.append(replace(f, name=f"account.{f.name}", headers=headers + prefix_headers, target="account"))
    return tuple(result)


ACCOUNT_REF = tuple(
    f
    for f in _account_ref()
    if f.name in {"account.external_id", "account.corporate_number", "account.name", "account.domain"}
)

CONTACT_REF = (
    F(
        "contact.external_id",
        text(255),
        ("contact_external_id", "lead_id", "contact_id", "リードID", "担当者ID", "取引先責任者ID"),
        target="ref",
    ),
    F(
        "contact.email",
        n.email,
        ("email", "contact_email", "e-mail", "メール", "メールアドレス", "eメール"),
        target="ref",
    ),
)

CONTACT_FIELDS: tuple[FieldSpec, ...] = (
    F("external_id", text(255), ("external_id", "id", "lead_id", "prospect_id", "contact_id", "リードID", "担当者ID")),
    F("full_name", text(200), ("full_name", "name", "氏名", "お名前", "担当者名", "名前")),
    F("last_name", text(100), ("last_name", "lastname", "surname", "姓")),
    F("first_name", text(100), ("first_name", "firstname", "given_name", "名")),
    F("full_name_kana", text(200), ("full_name_kana", "氏名カナ", "フリガナ氏名", "ふりがな")),
    F("last_name_kana", text(100), ("last_name_kana", "姓カナ", "姓(カナ)", "セイ")),
    F("first_name_kana", text(100), ("first_name_kana", "名カナ", "名(カナ)", "メイ")),
    F("email", n.email, ("email", "e-mail", "mail", "メール", "メールアドレス", "eメール")),
    F("phone", n.phone, ("phone", "tel", "電話", "電話番号", "携帯電話", "直通電話")),
    F("department", text(200), ("department", "部署", "部署名", "所属", "部門")),
    F("title", text(200), ("title", "job_title", "役職", "役職名", "肩書")),
    F("level", n.level, ("level", "役職レベル", "職位", "階層")),
    F("source", text(200), ("source", "lead_source", "リードソース", "流入元", "獲得経路")),
    F(
        "lifecycle_stage",
        text(100),
        ("lifecycle_stage", "status", "lead_status", "ステータス", "リード状況", "ライフサイクルステージ"),
    ),
    F("owner", text(200), ("owner", "lead_owner", "担当者", "所有者", "リード所有者")),
    F(
        "acquired_at",
        n.parse_datetime,
        ("acquired_at", "created_at", "created_date", "作成日", "獲得日", "登録日", "リード獲得日"),
    ),
    *_account_ref(),
)

ENTITIES: dict[str, EntitySpec] = {}


def _register(spec: EntitySpec) -> EntitySpec:
    ENTITIES[spec.name] = spec
    for alias in spec.aliases:
        ENTITIES[alias] = spec
    return spec


ACCOUNTS = _register(
    EntitySpec(
        "accounts",
        "accounts",
        ACCOUNT_FIELDS,
        "企業",
        aliases=("account", "companies"),
        required_any=(("name", "corporate_number"),),
    )
)
CONTACTS = _register(
    EntitySpec(
        "contacts",
        "contacts",
        CONTACT_FIELDS,
        "担当者・リード",
        aliases=("contact", "leads", "lead"),
        required_any=(("email", "external_id", "last_name", "full_name"),),
    )
)
CAMPAIGNS = _register(
    EntitySpec(
        "campaigns",
        "campaigns",
        (
            F("external_id", text(255), ("external_id", "id", "campaign_id", "施策ID", "キャンペーンID")),
            F("name", text(300), ("name", "campaign", "campaign_name", "施策名", "キャンペーン名"), required=True),
            F("channel", text(100), ("channel", "type", "チャネル", "チャネル種別", "種別", "施策種別"), required=True),
            F("orientation", choice(ORIENTATIONS), ("orientation", "量質", "量/質", "方向性", "重視")),
            F("starts_on", n.parse_date, ("starts_on", "start_date", "開始日", "実施日")),
            F("ends_on", n.parse_date, ("ends_on", "end_date", "終了日")),
            F("cost", money_nonnegative, ("cost", "actual_cost", "費用", "コスト", "実績費用", "実際のコスト")),
            F("description", text(NOTE_MAX), ("description", "説明", "概要", "メモ")),
        ),
        "施策",
        aliases=("campaign",),
    )
)
OFFERS = _register(
    EntitySpec(
        "offers",
        "offers",
        (
            F("external_id", text(255), ("external_id", "id", "offer_id", "オファーID")),
            F("name", text(200), ("name", "offer", "オファー", "オファー名"), required=True),
            F("ladder_rank", count, ("ladder_rank", "rank", "段階", "ランク", "順位"), required=True),
            F("description", text(NOTE_MAX), ("description", "説明")),
        ),
        "オファー",
        aliases=("offer",),
    )
)
RESPONSES = _register(
    EntitySpec(
        "responses",
        "responses",
        (
            F("external_id", text(255), ("external_id", "response_id", "反応ID")),
            *CONTACT_REF,
            F("campaign.external_id", text(255), ("campaign_id", "施策ID", "キャンペーンID"), target="ref"),
            F("campaign.name", text(300), ("campaign", "campaign_name", "施策名", "キャンペーン名"), target="ref"),
            F("offer.name", text(200), ("offer", "offer_name", "オファー", "オファー名"), target="ref"),
            F(
                "responded_at",
                n.parse_datetime,
                ("responded_at", "date", "日時", "反応日", "反応日時", "申込日", "最初の応答日"),
                required=True,
            ),
            F("status", text(100), ("status", "状況", "ステータス")),
        ),
        "反応",
        aliases=("response",),
        required_any=(("contact.external_id", "contact.email"), ("campaign.external_id", "campaign.name")),
    )
)
STAGES = _register(
    EntitySpec(
        "stages",
        "funnel_stages",
        (
            F("code", text(40), ("code", "コード"), required=True),
            F("name_ja", text(100), ("name_ja", "名称", "ステージ名"), required=True),
            F("name_en", text(100), ("name_en", "name", "英語名")),
            F("position", count, ("position", "順序", "順番"), required=True),
        ),
        "ファネルステージ",
        aliases=("funnel-stages",),
    )
)
STAGE_EVENTS = _register(
    EntitySpec(
        "stage-events",
        "stage_events",
        (
            F("external_id", text(255), ("external_id", "event_id")),
            *CONTACT_REF,
            *ACCOUNT_REF,
            F("stage", text(100), ("stage", "ステージ", "ファネルステージ"), required=True),
            F("entered_at", n.parse_datetime, ("entered_at", "date", "日時", "到達日", "遷移日"), required=True),
        ),
        "ステージ遷移",
        aliases=("stage_events",),
        required_any=(
            ("contact.external_id", "contact.email", "account.external_id", "account.corporate_number", "account.name"),
        ),
    )
)
OPPORTUNITIES = _register(
    EntitySpec(
        "opportunities",
        "opportunities",
        (
            F("external_id", text(255), ("external_id", "id", "opportunity_id", "商談ID", "取引ID")),
            *ACCOUNT_REF,
            *CONTACT_REF,
            F("name", text(300), ("name", "opportunity", "opportunity_name", "商談名", "取引名")),
            F("amount", money_nonnegative, ("amount", "close_value", "金額", "商談金額", "受注金額", "見込金額")),
            F("budget", money_nonnegative, ("budget", "予算", "予算額", "先方予算")),
            F("stage", text(100), ("stage", "deal_stage", "フェーズ", "商談フェーズ", "取引ステージ", "ステージ")),
            F("status", choice(OPPORTUNITY_STATUS), ("status", "result", "結果", "受注/失注", "勝敗")),
            F("lost_reason", text(300), ("lost_reason", "失注理由")),
            F(
                "created_on",
                n.parse_date,
                ("created_on", "created_date", "engage_date", "作成日", "商談開始日", "商談化日"),
            ),
            F(
                "closed_on",
                n.parse_date,
                ("closed_on", "close_date", "完了日", "クローズ日", "受注日", "失注日", "完了予定日"),
            ),
            F("owner", text(200), ("owner", "sales_agent", "担当営業", "商談所有者", "所有者")),
        ),
        "商談",
        aliases=("opportunity", "deals"),
        required_any=(("account.external_id", "account.corporate_number", "account.name"),),
    )
)
REVENUE = _register(
    EntitySpec(
        "revenue",
        "revenue_lines",
        (
            F("external_id", text(255), ("external_id", "id", "revenue_id", "売上ID", "伝票番号")),
            *ACCOUNT_REF,
            F(
                "recognized_on",
                n.parse_date,
                ("recognized_on", "date", "売上日", "計上日", "請求日", "年月日"),
                required=True,
            ),
            F("amount", n.parse_money, ("amount", "revenue", "売上", "売上金額", "金額"), required=True),
            F("gross_profit", n.parse_money, ("gross_profit", "粗利", "粗利益", "売上総利益")),
            F("product", text(200), ("product", "商品", "製品", "商品名", "サービス")),
        ),
        "売上",
        aliases=("revenue-lines", "revenue_lines"),
        required_any=(("account.external_id", "account.corporate_number", "account.name"),),
    )
)
BUYING_GROUP = _register(
    EntitySpec(
        "buying-group",
        "buying_group_members",
        (
            F("external_id", text(255), ("external_id", "id")),
            *CONTACT_REF,
            F("opportunity.external_id", text(255), ("opportunity_id", "商談ID"), target="ref"),
            F("role", choice(ROLES), ("role", "役割", "購買役割"), required=True),
            F("engagement", engagement, ("engagement", "関与度", "エンゲージメント")),
            F("stance", choice(STANCES), ("stance", "スタンス", "賛否")),
        ),
        "購買グループ",
        aliases=("buying_group", "buying-group-members"),
        required_any=(("contact.external_id", "contact.email"),),
    )
)
CHALLENGES = _register(
    EntitySpec(
        "challenges",
        "challenges",
        (
            F("external_id", text(255), ("external_id", "id", "課題ID")),
            F("statement", text(2000), ("statement", "課題", "課題内容", "課題の要約", "タイトル"), required=True),
            F("detail", text(NOTE_MAX), ("detail", "詳細", "内容", "本文", "メモ")),
            F("category", text(100), ("category", "カテゴリ", "カテゴリー", "分類", "課題カテゴリ")),
            F("tags", tags, ("tags", "タグ", "キーワード")),
            F("source_type", choice(SOURCE_TYPES), ("source_type", "source", "情報源", "ソース", "収集元")),
            *ACCOUNT_REF,
            *CONTACT_REF,
            F("department", text(200), ("department", "部署", "部門")),
            F("level", n.level, ("level", "役職レベル", "職位")),
            F("observed_on", n.parse_date, ("observed_on", "date", "日付", "収集日", "記録日")),
            F("author", text(200), ("author", "記入者", "登録者", "作成者")),
            F("status", choice(CHALLENGE_STATUS), ("status", "ステータス", "対応状況")),
        ),
        "課題",
        aliases=("challenge",),
    )
)
TEAMS = _register(
    EntitySpec(
        "teams",
        "teams",
        (
            F("external_id", text(255), ("external_id", "id", "team_id", "チームID")),
            F("name", text(200), ("name", "team", "チーム", "チーム名"), required=True),
            F("kind", choice(TEAM_KINDS), ("kind", "type", "種別", "役割"), required=True),
            F("capacity_per_day", count, ("capacity_per_day", "日次キャパシティ", "1日あたり件数")),
            F("capacity_per_week", count, ("capacity_per_week", "週次キャパシティ", "週あたり件数")),
        ),
        "チーム",
        aliases=("team",),
    )
)
MEMBERS = _register(
    EntitySpec(
        "members",
        "team_members",
        (
            F("external_id", text(255), ("external_id", "id", "member_id", "メンバーID")),
            F("team.name", text(200), ("team", "team_name", "チーム", "チーム名"), target="ref", required=True),
            F("name", text(200), ("name", "member", "氏名", "名前", "メンバー名"), required=True),
            F("email", n.email, ("email", "メール", "メールアドレス")),
            F("capacity_per_day", count, ("capacity_per_day", "日次キャパシティ", "1日あたり件数")),
            F("capacity_per_week", count, ("capacity_per_week", "週次キャパシティ", "週あたり件数")),
            F("is_active", n.parse_bool, ("is_active", "active", "有効", "在籍")),
        ),
        "チームメンバー",
        aliases=("team-members", "member"),
    )
)

ENTITY_NAMES: tuple[str, ...] = tuple(dict.fromkeys(spec.name for spec in ENTITIES.values()))
