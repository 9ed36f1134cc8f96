from django.apps import AppConfig


class MasterdataConfig(AppConfig):
    name = "finops.masterdata"
    label = "masterdata"
    verbose_name = "Master data"
