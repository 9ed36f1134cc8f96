from importlib import import_module

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        # Registrations need the models loaded, so their module is loaded now, by name, as Django
        # loads each app's admin module: see integrations.registrations.
        import_module(f"{self.name}.registrations")
