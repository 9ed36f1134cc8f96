from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

from finops.accounts.roles import Role


class FinopsAdminSite(admin.AdminSite):
    """Django admin for master data, open to the Admin role only."""

    site_header = "Finance Control Tower — administration"
    site_title = "FCT admin"
    index_title = "Master data and access"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or user.groups.filter(name=Role.ADMIN.label).exists())
        )


class FinopsAdminConfig(AdminConfig):
    default_site = "finops.core.admin_site.FinopsAdminSite"
