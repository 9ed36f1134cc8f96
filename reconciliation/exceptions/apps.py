from django.apps import AppConfig


class ExceptionsConfig(AppConfig):
    """The exception queue. Its label stays "reconciliation", so its tables, permission codenames
    and migration history are those it had when it was the whole reconciliation package."""

    name = "reconciliation.exceptions"
    label = "reconciliation"
    verbose_name = "Reconciliation and exceptions"
