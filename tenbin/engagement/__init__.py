"""Engagement: the offer ladder's step-up conversion (ICP vs non-ICP), individual seminars
(個別セミナー) with buying-group coverage before/after, and whitespace per customer account.
Interfaces use :mod:`tenbin.engagement.service` only."""
