from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "integrations.outbox"
    label = "outbox"
    verbose_name = "Outbox and events"

    def ready(self) -> None:
        from integrations.outbox.handlers import register_builtin_handlers
        from integrations.outbox.trace import register_builtin_sources

        register_builtin_handlers()
        register_builtin_sources()
