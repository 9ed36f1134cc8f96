from django.urls import path

from finops.ledger import views

app_name = "ledger"
urlpatterns = [
    path("journal-entries/", views.journal_list_view, name="journal-list"),
    path("journal-entries/new/", views.journal_create_view, name="journal-create"),
    path("journal-entries/<int:pk>/", views.journal_detail_view, name="journal-detail"),
    path("journal-entries/<int:pk>/post/", views.journal_post_view, name="journal-post"),
]
