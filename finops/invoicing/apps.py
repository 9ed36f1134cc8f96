from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "finops.invoicing"
    label = "invoicing"
    verbose_name = "Invoices"
