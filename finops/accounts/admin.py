from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from finops.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    pass
