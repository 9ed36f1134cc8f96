from django.urls import path

from reconciliation.matching import views

app_name = "matching"
urlpatterns = [
    path("runs/", views.match_run_list_view, name="run-list"),
    path("runs/request/", views.match_run_request_view, name="run-request"),
    path("runs/<int:pk>/", views.match_run_detail_view, name="run-detail"),
    path("runs/<int:pk>/progress/", views.match_run_progress_view, name="run-progress"),
]
