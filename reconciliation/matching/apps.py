from importlib import import_module

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    """Match runs of every kind and the services that run the matching engines over the database."""

    name = "reconciliation.matching"
    label = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        # The kinds it runs and what it subscribes to need the models loaded, so they are
        # registered now, by name, as Django loads each app's admin module.
        import_module(f"{self.name}.registrations")
