"""Default reference data a new workspace starts with (all editable later in settings)."""

from __future__ import annotations

from typing import Any

FUNNEL_STAGES: tuple[tuple[str, str, str], ...] = (
    ("lead", "リード獲得", "Lead acquired"),
    ("mql", "MQL", "MQL"),
    ("sql", "商談化(SQL)", "Opportunity (SQL)"),
    ("won", "受注", "Won"),
    ("retained", "継続(既存顧客)", "Retained customer"),
)

OFFER_LADDER: tuple[str, ...] = ("資料請求", "セミナー申込", "個別セミナー", "デモ申込", "見積もり依頼")

CHALLENGE_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("人材確保・育成", "採用難・人手不足、若手や後継人材の育成", "Hiring and developing people"),
    ("業務効率化・省力化", "手作業・二重入力・長時間労働の削減", "Efficiency and labour saving"),
    ("属人化・ナレッジ継承", "特定の人に依存した業務やノウハウの共有・継承", "Knowledge tied to individuals"),
    ("DX・デジタル化", "紙・Excel・電話中心の業務のデジタル化", "Digital transformation"),
    ("コスト上昇・価格転嫁", "原材料・人件費・エネルギー高騰への対応", "Rising costs and pricing"),
    ("売上拡大・販路開拓", "新規顧客・新市場・新チャネルの開拓", "Growing sales and channels"),
    ("事業承継", "経営者の高齢化と承継準備", "Business succession"),
    ("セキュリティ・コンプライアンス", "情報漏えい対策・法令対応・監査", "Security and compliance"),
    ("データ活用・可視化", "散在するデータの集約・分析・見える化", "Using and visualising data"),
    ("拠点間連携", "本社・工場・支店など拠点間の情報共有", "Coordination between sites"),
)


def funnel_stage_rows() -> list[dict[str, Any]]:
    return [
        {"code": code, "name_ja": ja, "name_en": en, "position": i}
        for i, (code, ja, en) in enumerate(FUNNEL_STAGES, start=1)
    ]


def offer_rows() -> list[dict[str, Any]]:
    return [{"name": name, "ladder_rank": i} for i, name in enumerate(OFFER_LADDER, start=1)]


def challenge_category_rows() -> list[dict[str, Any]]:
    return [
        {"name": name, "description_ja": ja, "description_en": en, "position": i}
        for i, (name, ja, en) in enumerate(CHALLENGE_CATEGORIES, start=1)
    ]
