from django.apps import AppConfig


class BankfilesConfig(AppConfig):
    name = "integrations.bankfiles"
    label = "bankfiles"
    verbose_name = "Bank files"
