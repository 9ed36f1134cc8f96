from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "finops.receivables"
    label = "receivables"
    verbose_name = "Receivables"
