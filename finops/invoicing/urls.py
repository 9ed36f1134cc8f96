from django.urls import path

from finops.invoicing import views

app_name = "invoicing"
urlpatterns = [
    path("", views.invoice_list_view, name="invoice-list"),
    path("<int:pk>/", views.invoice_detail_view, name="invoice-detail"),
]
