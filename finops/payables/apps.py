from django.apps import AppConfig


class PayablesConfig(AppConfig):
    name = "finops.payables"
    label = "payables"
    verbose_name = "Payables and payments"
