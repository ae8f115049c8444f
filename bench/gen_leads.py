"""Write a synthetic lead CSV (with company columns) for the import benchmark.

Usage: python bench/gen_leads.py OUT.csv [ROWS] [--encoding utf-8-sig|cp932]
Deterministic; about 1 company for every 10 leads; Japanese values in the forms real exports use.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from tenbin.imports.normalize import corporate_number_check_digit
from tenbin.imports.refdata import JSIC, PREFECTURES

HEADER = ["リードID", "会社名", "法人番号", "姓", "名", "メールアドレス", "電話番号", "部署", "役職", "業種",
          "従業員数", "都道府県", "作成日"]  # fmt: skip
LAST = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田"]
FIRST = ["太郎", "花子", "一郎", "美咲", "健太", "陽子", "翔", "由美", "大輔", "さくら"]
DEPTS = ["営業部", "製造部", "情報システム部", "総務部", "経理部", "品質保証部", "経営企画部"]
TITLES = ["担当", "主任", "課長", "部長", "本部長", "取締役"]
FORMS = ["株式会社{}", "{}株式会社", "(株){}", "{}(株)"]


def main(out: Path, rows: int, encoding: str) -> None:
    rng = np.random.default_rng(1)
    companies = max(rows // 10, 1)
    letters = list(JSIC)
    with open(out, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        comp = rng.integers(0, companies, rows)
        last = rng.integers(0, len(LAST), rows)
        first = rng.integers(0, len(FIRST), rows)
        days = rng.integers(0, 730, rows)
        for i in range(rows):
            c = int(comp[i])
            base = f"{c:011d}1"
            corp = f"{corporate_number_check_digit(base)}{base}" if c % 3 == 0 else ""
            month, day = 1 + (int(days[i]) // 31) % 12, 1 + int(days[i]) % 28
            w.writerow([
                f"L{i:08d}", FORMS[c % 4].format(f"テスト{c}商事"), corp, LAST[last[i]], FIRST[first[i]],
                f"u{i}@c{c}.example.co.jp", f"03-{c % 10000:04d}-{i % 10000:04d}", DEPTS[i % 7], TITLES[i % 6],
                JSIC[letters[c % len(letters)]][0], str(10 + (c * 37) % 3000), PREFECTURES[c % 47][1],
                f"{2024 + int(days[i]) // 365}/{month}/{day}",
            ])  # fmt: skip


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    enc = sys.argv[sys.argv.index("--encoding") + 1] if "--encoding" in sys.argv else "utf-8-sig"
    main(Path(args[0]), int(args[1]) if len(args) > 1 else 1_000_000, enc)
