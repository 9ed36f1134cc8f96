from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.connector_list_view, name="connector-list"),
    path("new/", views.connector_create_view, name="connector-create"),
    path("<int:pk>/", views.connector_detail_view, name="connector-detail"),
    path("<int:pk>/edit/", views.connector_edit_view, name="connector-edit"),
    path("<int:pk>/toggle/", views.connector_toggle_view, name="connector-toggle"),
    path("<int:pk>/test/", views.connector_test_view, name="connector-test"),
    path("<int:pk>/run/", views.connector_run_view, name="connector-run"),
    path("<int:pk>/credentials/", views.connector_credentials_view, name="connector-credentials"),
    path("<int:pk>/mapping/", views.connector_mapping_view, name="connector-mapping"),
    path("runs/<int:pk>/", views.run_detail_view, name="run-detail"),
    path("runs/<int:pk>/progress/", views.run_progress_view, name="run-progress"),
    path("runs/<int:pk>/replay/", views.run_replay_view, name="run-replay"),
    path("dead-letter/", views.failure_list_view, name="failure-list"),
    path("dead-letter/<int:pk>/replay/", views.failure_replay_view, name="failure-replay"),
    path("webhooks/<int:connector_id>/", views.webhook_receive_view, name="webhook-receive"),
]
