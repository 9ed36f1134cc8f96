from django.urls import path

from finops.dashboards import views

app_name = "dashboards"
urlpatterns = [path("", views.home_view, name="home")]
