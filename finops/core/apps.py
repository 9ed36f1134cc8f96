from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "finops.core"
    label = "core"
    verbose_name = "Core"
