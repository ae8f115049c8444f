"""Routing (営業連携・振り分け): the ICP × win-likelihood 2×2 with team and member capacities."""
