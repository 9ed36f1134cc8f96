from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import QuerySet

from finops.accounts.models import User
from finops.masterdata.models import LegalEntity
from integrations.connectors import spec_for
from integrations.egress import validate_outbound_url
from integrations.models import Connector
from integrations.services import SETTING_FIELDS, mapping_clean

SECRET_LABELS = {
    "token": "API token",
    "webhook_secret": "Webhook signing secret",
    "username": "Username",
    "password": "Password",
    "private_key": "Private key (PEM or OpenSSH text)",
}
# Pasted whole, over several lines: a private key may run to a few thousand characters.
MULTILINE_SECRETS = {"private_key": 20_000}


class _WriteOnlyTextarea(forms.Textarea):
    def format_value(self, value: Any) -> None:
        return None  # a re-rendered form (after an error) never shows what was typed


class _WriteOnlyTextInput(forms.TextInput):
    def format_value(self, value: Any) -> None:
        return None


def _secret_field(name: str) -> forms.CharField:
    label = SECRET_LABELS.get(name, name)
    if name in MULTILINE_SECRETS:
        widget: forms.Widget = _WriteOnlyTextarea(
            attrs={"rows": 6, "class": "mono", "spellcheck": "false", "autocomplete": "off"}
        )
        return forms.CharField(label=label, required=False, max_length=MULTILINE_SECRETS[name], widget=widget)
    if name == "username":
        widget = _WriteOnlyTextInput(attrs={"autocomplete": "off"})
    else:
        widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
    return forms.CharField(label=label, required=False, max_length=500, strip=True, widget=widget)


class ConnectorForm(forms.ModelForm):  # type: ignore[type-arg]
    """Settings and schedule. Validation only: the view passes cleaned_data to a service."""

    base_url = forms.URLField(
        required=False,
        max_length=300,
        assume_scheme="https",
        label="Base URL",
        help_text="Of the system's HTTP API. SFTP connectors leave it blank: host and port are in their mapping.",
        validators=[validate_outbound_url],
    )

    class Meta:
        model = Connector
        fields = ("kind", "entity", *SETTING_FIELDS)
        widgets = {"next_run_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}
        help_texts = {
            "cadence_minutes": "Run every this many minutes (blank: only when someone presses Run now).",
            "next_run_at": "Next scheduled run (UTC); blank: one cadence from now.",
            "timeout_seconds": "Per request.",
            "max_attempts": "HTTP attempts per request (5xx, timeouts, 429 are retried with backoff and jitter).",
        }

    def __init__(self, *args: Any, entities: QuerySet[LegalEntity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities  # type: ignore[attr-defined]
        if self.instance.pk:
            for name in ("kind", "entity"):
                self.fields[name].disabled = True


class CredentialsForm(forms.Form):
    """Secrets are write-only: never rendered back, blank keeps the stored value."""

    forget_previous_secret = forms.BooleanField(
        required=False, label="Forget the previous webhook secret (rotation finished)"
    )

    def __init__(self, *args: Any, connector: Connector, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secret_names = list(spec_for(connector.kind).credential_fields)
        for name in reversed(self.secret_names):
            self.fields[name] = _secret_field(name)
            self.order_fields([*self.secret_names, "forget_previous_secret"])
        if "webhook_secret" not in self.secret_names:
            del self.fields["forget_previous_secret"]

    def secrets(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.secret_names}


class MappingForm(forms.Form):
    mapping = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 12, "class": "mono", "spellcheck": "false"})
    )

    def __init__(self, *args: Any, connector: Connector, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connector = connector
        self.actor = actor

    def clean_mapping(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("mapping") or "").strip() or "{}"
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from exc
        return mapping_clean(connector=self.connector, actor=self.actor, mapping=value)
