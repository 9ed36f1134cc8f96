from django.apps import AppConfig

from finops.core.lookups import lookups_register


class CoreConfig(AppConfig):
    name = "finops.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        lookups_register()
