from importlib import import_module

from django.apps import AppConfig


class ExceptionsConfig(AppConfig):
    """The exception queue. Its label stays "reconciliation", so its tables, permission codenames
    and migration history are those it had when it was the whole reconciliation package."""

    name = "reconciliation.exceptions"
    label = "reconciliation"
    verbose_name = "Reconciliation and exceptions"

    def ready(self) -> None:
        # Registrations need the models loaded, so their module is loaded now, by name, as Django
        # loads each app's admin module: see reconciliation.exceptions.registrations.
        import_module(f"{self.name}.registrations")
