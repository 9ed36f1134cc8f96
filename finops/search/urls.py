from django.urls import path

from finops.search import views

app_name = "search"
urlpatterns = [path("", views.search_view, name="results")]
