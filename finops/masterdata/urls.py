from django.urls import path

from finops.masterdata import views

app_name = "masterdata"
urlpatterns = [
    path("counterparties/", views.counterparty_list_view, name="counterparty-list"),
    path("counterparties/<int:pk>/", views.counterparty_detail_view, name="counterparty-detail"),
    path("bank-accounts/", views.bankaccount_list_view, name="bankaccount-list"),
    path("bank-accounts/new/", views.bankaccount_create_view, name="bankaccount-create"),
    path("bank-accounts/<int:pk>/", views.bankaccount_detail_view, name="bankaccount-detail"),
    path("bank-accounts/<int:pk>/edit/", views.bankaccount_edit_view, name="bankaccount-edit"),
    path("bank-changes/", views.bankchange_list_view, name="bankchange-list"),
    path("bank-changes/<int:pk>/", views.bankchange_detail_view, name="bankchange-detail"),
    path("bank-changes/<int:pk>/verify/", views.bankchange_verify_view, name="bankchange-verify"),
    path("bank-changes/<int:pk>/activate/", views.bankchange_activate_view, name="bankchange-activate"),
    path("bank-changes/<int:pk>/reject/", views.bankchange_reject_view, name="bankchange-reject"),
    path("systems-of-record/", views.fieldownership_list_view, name="fieldownership-list"),
]
