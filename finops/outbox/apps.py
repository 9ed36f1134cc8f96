from django.apps import AppConfig


class OutboxConfig(AppConfig):
    """The transactional outbox and the canonical events: tables the domain writes in its own
    transactions. Delivering them is integrations.outbox's job."""

    name = "finops.outbox"
    label = "outbox"
    verbose_name = "Outbox and events"
