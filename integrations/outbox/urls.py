from django.urls import path

from integrations.outbox import views

app_name = "outbox"
urlpatterns = [
    path("messages/", views.message_list_view, name="message-list"),
    path("messages/<int:pk>/retry/", views.message_retry_view, name="message-retry"),
    path("subscriptions/", views.subscription_list_view, name="subscription-list"),
    path("subscriptions/new/", views.subscription_create_view, name="subscription-create"),
    path("subscriptions/<int:pk>/edit/", views.subscription_edit_view, name="subscription-edit"),
    path("trace/", views.trace_search_view, name="trace-search"),
    path("trace/<str:correlation_id>/", views.trace_view, name="trace"),
]
