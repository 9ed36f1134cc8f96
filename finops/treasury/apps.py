from django.apps import AppConfig


class TreasuryConfig(AppConfig):
    name = "finops.treasury"
    label = "treasury"
    verbose_name = "Treasury"
