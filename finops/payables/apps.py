from importlib import import_module

from django.apps import AppConfig


class PayablesConfig(AppConfig):
    name = "finops.payables"
    label = "payables"
    verbose_name = "Payables and payments"

    def ready(self) -> None:
        # Registrations need the models loaded, so their module is loaded now, by name, as Django
        # loads each app's admin module: see finops.payables.registrations.
        import_module(f"{self.name}.registrations")
