from django.urls import path

from finops.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set-password"),
    path("users/", views.user_list_view, name="user-list"),
    path("users/invite/", views.user_invite_view, name="user-invite"),
    path("users/<int:pk>/", views.user_detail_view, name="user-detail"),
    path("users/<int:pk>/deactivate/", views.user_deactivate_view, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate_view, name="user-reactivate"),
    path("users/<int:pk>/resend-invitation/", views.user_resend_view, name="user-resend"),
    path("users/<int:pk>/grant/", views.user_grant_view, name="user-grant"),
    path("users/<int:pk>/revoke/", views.user_revoke_view, name="user-revoke"),
]
