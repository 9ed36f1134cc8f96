from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "finops.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"
