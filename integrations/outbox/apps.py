from importlib import import_module

from django.apps import AppConfig


class OutboxRelayConfig(AppConfig):
    """The relay and delivery of finops.outbox's messages, the webhook subscriptions and trace
    pages. No models of its own."""

    name = "integrations.outbox"
    label = "outbox_relay"
    verbose_name = "Outbox relay and webhooks"

    def ready(self) -> None:
        # Registrations need the models loaded, so their module is loaded now, by name, as Django
        # loads each app's admin module: see integrations.outbox.registrations.
        import_module(f"{self.name}.registrations")
