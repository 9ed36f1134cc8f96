from django.urls import URLPattern

app_name = "bankfiles"
urlpatterns: list[URLPattern] = []
