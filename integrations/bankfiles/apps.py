from importlib import import_module

from django.apps import AppConfig


class BankfilesConfig(AppConfig):
    name = "integrations.bankfiles"
    label = "bankfiles"
    verbose_name = "Bank files"

    def ready(self) -> None:
        # Registrations need the models loaded, so their module is loaded now, by name, as Django
        # loads each app's admin module: see integrations.bankfiles.registrations.
        import_module(f"{self.name}.registrations")
