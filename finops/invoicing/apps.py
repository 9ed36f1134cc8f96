from importlib import import_module

from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "finops.invoicing"
    label = "invoicing"
    verbose_name = "Invoices"

    def ready(self) -> None:
        # Registrations need the models loaded, so their module is loaded now, by name, as Django
        # loads each app's admin module: see finops.invoicing.registrations.
        import_module(f"{self.name}.registrations")
