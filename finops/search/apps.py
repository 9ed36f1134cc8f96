from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "finops.search"
    label = "search"
    verbose_name = "Search"
