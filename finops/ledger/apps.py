from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "finops.ledger"
    label = "ledger"
    verbose_name = "Journal entries"
