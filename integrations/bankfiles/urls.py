from django.urls import path

from integrations.bankfiles import views

app_name = "bankfiles"
urlpatterns = [
    path("", views.upload_view, name="upload"),
    path("<int:pk>/", views.file_detail_view, name="file-detail"),
    path("<int:pk>/content/", views.file_content_view, name="file-content"),
]
