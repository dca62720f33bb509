"""Change events delivered to subscribers: subscriptions, the outbox, and its dispatcher."""
