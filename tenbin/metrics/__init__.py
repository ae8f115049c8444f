"""Metrics: the ICP rate by stage, period, campaign and the rest; value-weighted ICP shares; stage
conversion of ICP vs non-ICP leads; cost per (ICP) lead. Query objects and runners compiled to SQL
(the public surface is :mod:`tenbin.metrics.service`)."""
