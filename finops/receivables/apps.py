from importlib import import_module

from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "finops.receivables"
    label = "receivables"
    verbose_name = "Receivables"

    def ready(self) -> None:
        # Registrations need the models loaded, so their module is loaded now, by name, as Django
        # loads each app's admin module: see finops.receivables.registrations.
        import_module(f"{self.name}.registrations")
