from django.apps import AppConfig


class BankfilesConfig(AppConfig):
    name = "integrations.bankfiles"
    label = "bankfiles"
    verbose_name = "Bank files"

    def ready(self) -> None:
        from integrations.bankfiles.trace_sources import inbound_file_items
        from integrations.outbox.trace import trace_source_register

        trace_source_register("bankfiles.inbound_files", inbound_file_items, replace=True)
