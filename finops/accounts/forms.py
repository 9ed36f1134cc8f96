from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet

from finops.accounts.roles import ROLE_LABELS, Role
from finops.masterdata.models import LegalEntity

ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. Both are case-sensitive.",
    }


class _EntityRoleForm(forms.Form):
    """An entity the admin administers, and a role in it."""

    entity = forms.ModelChoiceField(queryset=LegalEntity.objects.none(), empty_label=None, to_field_name="code")
    role = forms.ChoiceField(choices=ROLE_CHOICES)

    def __init__(self, *args: Any, entities: QuerySet[LegalEntity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities  # type: ignore[attr-defined]
        self.fields["entity"].error_messages["invalid_choice"] = "Choose an entity you administer."

    @property
    def chosen_role(self) -> Role:
        return Role(self.cleaned_data["role"])


class InviteForm(_EntityRoleForm):
    """Who to invite and their first role. No password (they choose it) and no superuser or staff
    flag (those are granted by a superuser in Django admin, if ever)."""

    username = forms.CharField(max_length=150, help_text="What they sign in with, e.g. m.keller.")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(max_length=254, help_text="The link to choose a password goes here.")

    field_order = ["username", "first_name", "last_name", "email", "entity", "role"]


class GrantForm(_EntityRoleForm):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, label="Reason (optional)")
