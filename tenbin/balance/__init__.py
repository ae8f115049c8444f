"""Balance state (量寄り / 質寄り / バランス / both short) per funnel stage and period."""
