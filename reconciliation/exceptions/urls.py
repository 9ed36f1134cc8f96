from django.urls import path

from reconciliation.exceptions import views

app_name = "reconciliation"
urlpatterns = [
    path("", views.exception_list_view, name="exception-list"),
    path("<int:pk>/", views.exception_detail_view, name="exception-detail"),
    path("<int:pk>/start/", views.exception_start_view, name="exception-start"),
    path("<int:pk>/resolve/", views.exception_resolve_view, name="exception-resolve"),
    path("<int:pk>/write-off/", views.exception_write_off_view, name="exception-write-off"),
]
