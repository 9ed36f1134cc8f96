"""/api/ endpoints of the integration screens (connectors, runs, dead letter, bank files, outbox,
trace), included into the api namespace by finops/api_urls.py."""

from django.urls import path

from integrations import api
from integrations.bankfiles import api as bankfiles_api
from integrations.outbox import api as outbox_api

urlpatterns = [
    path("connectors/", api.ConnectorListApi.as_view(), name="connector-list"),
    path("connectors/<int:pk>/", api.ConnectorDetailApi.as_view(), name="connector-detail"),
    path("connectors/<int:pk>/enable/", api.ConnectorEnableApi.as_view(), name="connector-enable"),
    path("connectors/<int:pk>/disable/", api.ConnectorDisableApi.as_view(), name="connector-disable"),
    path("connectors/<int:pk>/test/", api.ConnectorTestApi.as_view(), name="connector-test"),
    path("connectors/<int:pk>/run/", api.ConnectorRunApi.as_view(), name="connector-run"),
    path("connectors/<int:pk>/credentials/", api.ConnectorCredentialsApi.as_view(), name="connector-credentials"),
    path("sync-runs/", api.SyncRunListApi.as_view(), name="syncrun-list"),
    path("sync-runs/<int:pk>/", api.SyncRunDetailApi.as_view(), name="syncrun-detail"),
    path("sync-runs/<int:pk>/replay/", api.SyncRunReplayApi.as_view(), name="syncrun-replay"),
    path("sync-failures/", api.SyncFailureListApi.as_view(), name="syncfailure-list"),
    path("sync-failures/<int:pk>/", api.SyncFailureDetailApi.as_view(), name="syncfailure-detail"),
    path("sync-failures/<int:pk>/replay/", api.SyncFailureReplayApi.as_view(), name="syncfailure-replay"),
    path("bank-files/", bankfiles_api.BankFileListApi.as_view(), name="bankfile-list"),
    path("bank-files/<int:pk>/", bankfiles_api.BankFileDetailApi.as_view(), name="bankfile-detail"),
    path("bank-files/<int:pk>/content/", bankfiles_api.BankFileContentApi.as_view(), name="bankfile-content"),
    path("outbound-messages/", outbox_api.OutboundMessageListApi.as_view(), name="outboundmessage-list"),
    path(
        "outbound-messages/<int:pk>/retry/",
        outbox_api.OutboundMessageRetryApi.as_view(),
        name="outboundmessage-retry",
    ),
    path("webhook-subscriptions/", outbox_api.SubscriptionListApi.as_view(), name="webhooksubscription-list"),
    path(
        "webhook-subscriptions/<int:pk>/",
        outbox_api.SubscriptionDetailApi.as_view(),
        name="webhooksubscription-detail",
    ),
    path("trace/", outbox_api.TraceLookupApi.as_view(), name="trace-lookup"),
    path("trace/<str:correlation_id>/", outbox_api.TraceApi.as_view(), name="trace"),
]
