from django.urls import path

from finops.invoicing import views

app_name = "invoicing"
urlpatterns = [
    path("", views.invoice_list_view, name="invoice-list"),
    path("ap-policy/", views.ap_policy_view, name="ap-policy"),
    path("ap-policy/<str:code>/", views.ap_policy_save_view, name="ap-policy-save"),
    path("ap-policy/<str:code>/authority/<str:role>/", views.ap_authority_save_view, name="ap-authority-save"),
    path("<int:pk>/", views.invoice_detail_view, name="invoice-detail"),
    path("<int:pk>/holds/<int:hold_id>/release/", views.hold_release_view, name="hold-release"),
    path("<int:pk>/cancel/", views.invoice_cancel_view, name="invoice-cancel"),
    path("<int:pk>/accept-variance/", views.variance_accept_view, name="variance-accept"),
    path("<int:pk>/variance-decision/", views.variance_decision_view, name="variance-decision"),
    path("<int:pk>/approve/", views.invoice_approve_view, name="invoice-approve"),
]
