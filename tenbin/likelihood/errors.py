"""Error codes of the win likelihood."""

from __future__ import annotations

from tenbin.errors import ErrorCode

LIKELIHOOD_TOO_FEW_OUTCOMES = ErrorCode(
    "LIKELIHOOD_TOO_FEW_OUTCOMES",
    "Too little history to calibrate: {won} won and {lost} lost opportunities with a created date "
    "({test_won} won and {test_lost} lost in the later quarter used for testing); at least {needed} of each "
    "are needed, and both outcomes in the test part. Keep the default weights, or import more closed "
    "opportunities (with created_on, status won/lost) and run again.",
    "較正に使える履歴が足りません: 作成日のある商談が受注 {won} 件・失注 {lost} 件"
    "(検証に使う後半 1/4 では受注 {test_won} 件・失注 {test_lost} 件)。それぞれ {needed} 件以上、かつ検証部分に"
    "受注・失注の両方が必要です。既定の重みのまま使うか、終了した商談(作成日・受注/失注)を取り込んでから再実行してください。",
    status=409,
)
LIKELIHOOD_THRESHOLD_INVALID = ErrorCode(
    "LIKELIHOOD_THRESHOLD_INVALID",
    "The threshold must be a number between 0 and 1 (exclusive), like 0.5, not {value!r}.",
    "しきい値は 0 より大きく 1 より小さい数(例: 0.5)で指定してください({value!r} は使えません)。",
)
LIKELIHOOD_LEAD_NOT_FOUND = ErrorCode(
    "LIKELIHOOD_LEAD_NOT_FOUND",
    "There is no lead with id {id}.",
    "ID {id} のリードはありません。",
    status=404,
)
LIKELIHOOD_NO_CAPACITY = ErrorCode(
    "LIKELIHOOD_NO_CAPACITY",
    "No sales capacity is set: give the teams of kind sales or account sales (or their members) a "
    "capacity per week or per day under Settings → Teams, or set the threshold as a number.",
    "営業の対応能力が設定されていません。設定 → チーム で種類が営業・アカウント営業のチーム(またはメンバー)に"
    "週または日あたりの対応件数を設定するか、しきい値を数値で指定してください。",
    status=409,
)
