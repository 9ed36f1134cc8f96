from django.urls import path

from finops.receivables import views

# Mounted under invoices/ beside finops.invoicing.urls: the notes belong to an invoice's page.
app_name = "receivables"
urlpatterns = [
    path("<int:pk>/collection-notes/", views.collection_note_add_view, name="collection-note-add"),
]
