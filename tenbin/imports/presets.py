"""Header presets for standard exports: Salesforce and HubSpot (Japanese and English headers),
the 国税庁 法人番号 CSV (no header row; fixed columns), and the generic preset (each field's own
header names, see ``entities.py``).
"""

from __future__ import annotations

_SF_ACCOUNT_ADDR = {
    "都道府県(請求先)": "prefecture", "billingstate": "prefecture", "billingstate/province": "prefecture",
    "市区郡(請求先)": "city", "billingcity": "city", "町名・番地(請求先)": "address",
    "billingstreet": "address", "郵便番号(請求先)": "postal_code", "billingpostalcode": "postal_code",
    "billingzip/postalcode": "postal_code",
}  # fmt: skip

SALESFORCE: dict[str, dict[str, str]] = {
    "contacts": {
        "id": "external_id", "リードid": "external_id", "leadid": "external_id",
        "取引先責任者id": "external_id", "contactid": "external_id",
        "firstname": "first_name", "名": "first_name", "lastname": "last_name", "姓": "last_name",
        "company": "account.name", "会社名": "account.name", "company/account": "account.name",
        "取引先名": "account.name", "accountname": "account.name", "accountid": "account.external_id",
        "取引先id": "account.external_id",
        "email": "email", "メール": "email", "phone": "phone", "電話": "phone",
        "title": "title", "役職": "title", "department": "department", "部署": "department",
        "leadsource": "source", "リードソース": "source", "status": "lifecycle_stage",
        "leadstatus": "lifecycle_stage", "リード状況": "lifecycle_stage",
        "industry": "account.industry", "業種": "account.industry",
        "numberofemployees": "account.employees", "no.ofemployees": "account.employees",
        "従業員数": "account.employees", "annualrevenue": "account.revenue", "年間売上": "account.revenue",
        "state": "account.prefecture", "state/province": "account.prefecture", "都道府県": "account.prefecture",
        "city": "account.city", "市区郡": "account.city", "street": "account.address",
        "町名・番地": "account.address", "postalcode": "account.postal_code",
        "zip/postalcode": "account.postal_code", "郵便番号": "account.postal_code",
        "website": "account.domain", "webサイト": "account.domain",
        "ownerid": "owner", "leadowner": "owner", "リード所有者": "owner", "所有者": "owner",
        "createddate": "acquired_at", "作成日": "acquired_at",
    },
    "accounts": {
        "id": "external_id", "取引先id": "external_id", "accountid": "external_id",
        "name": "name", "取引先名": "name", "accountname": "name",
        "industry": "industry", "業種": "industry", "numberofemployees": "employees",
        "employees": "employees", "従業員数": "employees", "annualrevenue": "revenue", "売上高": "revenue",
        "年間売上": "revenue", "phone": "phone", "電話": "phone", "website": "domain", "webサイト": "domain",
        "ownerid": "owner", "取引先所有者": "owner", "accountowner": "owner", **_SF_ACCOUNT_ADDR,
    },
    "opportunities": {
        "id": "external_id", "商談id": "external_id", "opportunityid": "external_id",
        "name": "name", "商談名": "name", "opportunityname": "name",
        "accountid": "account.external_id", "取引先id": "account.external_id",
        "accountname": "account.name", "取引先名": "account.name",
        "amount": "amount", "金額": "amount", "stagename": "stage", "stage": "stage", "フェーズ": "stage",
        "closedate": "closed_on", "完了予定日": "closed_on", "createddate": "created_on", "作成日": "created_on",
        "ownerid": "owner", "opportunityowner": "owner", "商談所有者": "owner",
        "lossreason": "lost_reason", "失注理由": "lost_reason",
    },
    "campaigns": {
        "id": "external_id", "キャンペーンid": "external_id", "campaignid": "external_id",
        "name": "name", "キャンペーン名": "name", "campaignname": "name",
        "type": "channel", "種別": "channel", "startdate": "starts_on", "開始日": "starts_on",
        "enddate": "ends_on", "終了日": "ends_on", "actualcost": "cost", "実際のコスト": "cost",
        "description": "description", "説明": "description",
    },
    "responses": {
        "id": "external_id", "campaignid": "campaign.external_id", "キャンペーンid": "campaign.external_id",
        "campaignname": "campaign.name", "キャンペーン名": "campaign.name",
        "leadid": "contact.external_id", "リードid": "contact.external_id",
        "contactid": "contact.external_id", "取引先責任者id": "contact.external_id",
        "email": "contact.email", "メール": "contact.email", "status": "status", "状況": "status",
        "firstrespondeddate": "responded_at", "最初の応答日": "responded_at",
    },
}  # fmt: skip

HUBSPOT: dict[str, dict[str, str]] = {
    "contacts": {
        "recordid": "external_id", "レコードid": "external_id", "firstname": "first_name", "名": "first_name",
        "lastname": "last_name", "姓": "last_name", "email": "email", "eメール": "email",
        "phonenumber": "phone", "電話番号": "phone", "jobtitle": "title", "役職": "title",
        "companyname": "account.name", "会社名": "account.name", "associatedcompany": "account.name",
        "lifecyclestage": "lifecycle_stage", "ライフサイクルステージ": "lifecycle_stage",
        "createdate": "acquired_at", "作成日": "acquired_at", "contactowner": "owner",
        "コンタクト担当者": "owner", "originalsource": "source", "元のソース": "source",
        "state/region": "account.prefecture", "都道府県/地域": "account.prefecture",
        "industry": "account.industry", "業種": "account.industry",
        "numberofemployees": "account.employees", "従業員数": "account.employees",
        "annualrevenue": "account.revenue", "年間売上高": "account.revenue",
        "websiteurl": "account.domain", "ウェブサイトurl": "account.domain",
        "postalcode": "account.postal_code", "郵便番号": "account.postal_code",
        "city": "account.city", "市区町村": "account.city",
    },
    "accounts": {
        "recordid": "external_id", "レコードid": "external_id", "companyname": "name", "会社名": "name",
        "name": "name", "名前": "name", "companydomainname": "domain", "会社ドメイン名": "domain",
        "industry": "industry", "業種": "industry", "numberofemployees": "employees", "従業員数": "employees",
        "annualrevenue": "revenue", "年間売上高": "revenue", "state/region": "prefecture",
        "都道府県/地域": "prefecture", "city": "city", "市区町村": "city", "postalcode": "postal_code",
        "郵便番号": "postal_code", "phonenumber": "phone", "電話番号": "phone", "companyowner": "owner",
        "会社の担当者": "owner", "会社所有者": "owner",
    },
    "opportunities": {
        "recordid": "external_id", "レコードid": "external_id", "dealname": "name", "取引名": "name",
        "amount": "amount", "金額": "amount", "dealstage": "stage", "取引ステージ": "stage",
        "closedate": "closed_on", "クローズ日": "closed_on", "createdate": "created_on", "作成日": "created_on",
        "dealowner": "owner", "取引担当者": "owner", "associatedcompany": "account.name",
        "関連付けられた会社": "account.name", "closedlostreason": "lost_reason",
        "クローズ失注理由": "lost_reason",
    },
}  # fmt: skip

# 国税庁 法人番号公表サイト 全件・差分データ (CSV, no header row): 1-based column → field.
HOUJIN_COLUMNS: tuple[str, ...] = (
    "一連番号", "法人番号", "処理区分", "訂正区分", "更新年月日", "変更年月日", "商号又は名称",
    "商号又は名称イメージID", "法人種別", "国内所在地(都道府県)", "国内所在地(市区町村)",
    "国内所在地(丁目番地等)", "国内所在地イメージID", "都道府県コード", "市区町村コード", "郵便番号",
    "国外所在地", "国外所在地イメージID", "登記記録の閉鎖等年月日", "登記記録の閉鎖等の事由",
    "承継先法人番号", "変更事由の詳細", "法人番号指定年月日", "最新履歴", "商号又は名称(英語表記)",
    "国内所在地(都道府県)(英語表記)", "国内所在地(市区町村丁目番地等)(英語表記)", "国外所在地(英語表記)",
    "フリガナ", "検索対象除外",
)  # fmt: skip
HOUJIN: dict[str, dict[str, str]] = {
    "accounts": {
        "法人番号": "corporate_number", "商号又は名称": "name", "フリガナ": "name_kana",
        "都道府県コード": "prefecture", "国内所在地(市区町村)": "city", "国内所在地(丁目番地等)": "address",
        "郵便番号": "postal_code", "法人種別": "custom:法人種別",
        "登記記録の閉鎖等年月日": "custom:登記記録の閉鎖等年月日",
        "商号又は名称(英語表記)": "custom:英語表記",
        "法人番号指定年月日": "custom:法人番号指定年月日",
        **{h: "ignore" for h in ("一連番号", "処理区分", "訂正区分", "更新年月日", "変更年月日",
                                 "商号又は名称イメージID", "国内所在地(都道府県)", "国内所在地イメージID",
                                 "市区町村コード", "国外所在地", "国外所在地イメージID", "登記記録の閉鎖等の事由",
                                 "承継先法人番号", "変更事由の詳細", "最新履歴",
                                 "国内所在地(都道府県)(英語表記)", "国内所在地(市区町村丁目番地等)(英語表記)",
                                 "国外所在地(英語表記)", "検索対象除外")},
    }
}  # fmt: skip

PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "salesforce": SALESFORCE,
    "hubspot": HUBSPOT,
    "houjin": HOUJIN,
    "generic": {},
}
