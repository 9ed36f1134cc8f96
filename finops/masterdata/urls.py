from django.urls import path

from finops.masterdata import views

app_name = "masterdata"
urlpatterns = [
    path("counterparties/", views.counterparty_list_view, name="counterparty-list"),
    path("counterparties/<int:pk>/", views.counterparty_detail_view, name="counterparty-detail"),
    path("bank-accounts/", views.bankaccount_list_view, name="bankaccount-list"),
    path("bank-accounts/<int:pk>/", views.bankaccount_detail_view, name="bankaccount-detail"),
]
