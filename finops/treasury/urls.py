from django.urls import path

from finops.treasury import views

app_name = "treasury"
urlpatterns = [
    path("statements/", views.statement_list_view, name="statement-list"),
    path("statements/<int:pk>/", views.statement_detail_view, name="statement-detail"),
]
