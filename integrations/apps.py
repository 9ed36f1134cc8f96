from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from integrations.outbox.trace import trace_source_register
        from integrations.trace_sources import inbound_message_items, sync_run_items

        trace_source_register("integrations.inbound_messages", inbound_message_items, replace=True)
        trace_source_register("integrations.sync_runs", sync_run_items, replace=True)
