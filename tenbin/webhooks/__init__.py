"""Outgoing webhooks: per-team subscriptions, an outbox of deliveries, HMAC-signed sending with retries."""
