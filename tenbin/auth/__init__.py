"""Users, roles and permissions, personal API tokens, sign-in throttling, and the audit log."""
