from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "integrations.outbox"
    label = "outbox"
    verbose_name = "Outbox and events"
