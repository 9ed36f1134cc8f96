from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet

from finops.masterdata.models import LegalEntity
from finops.outbox.models import EVENT_TOPIC_CHOICES
from integrations.egress import validate_outbound_url

SECRET_MIN_LENGTH = 16
CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class SubscriptionForm(forms.Form):
    """Create (with entity, secret required) or edit (entity fixed, blank secret keeps the old one).
    The secret is write-only: the field never renders a stored value."""

    entity = forms.ModelChoiceField(queryset=LegalEntity.objects.none(), empty_label=None)
    name = forms.CharField(max_length=100)
    url = forms.URLField(max_length=500, label="URL", assume_scheme="https", validators=[validate_outbound_url])
    secret = forms.CharField(
        min_length=SECRET_MIN_LENGTH,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=f"Signs every delivery. At least {SECRET_MIN_LENGTH} characters; it is not shown again.",
    )
    topics = forms.MultipleChoiceField(choices=EVENT_TOPIC_CHOICES, widget=forms.CheckboxSelectMultiple, label="Events")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(
        self, *args: Any, entities: QuerySet[LegalEntity] | None = None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["entity"]
            self.fields["secret"].required = False
            self.fields["secret"].help_text = "Leave blank to keep the current secret."
        else:
            entity_field = self.fields["entity"]
            assert isinstance(entity_field, forms.ModelChoiceField)
            entity_field.queryset = entities if entities is not None else LegalEntity.objects.none()


class TraceSearchForm(forms.Form):
    q = forms.CharField(max_length=64, required=False, label="Correlation id")
    record_type = forms.ChoiceField(required=False, label="Record type")
    record_id = forms.CharField(max_length=20, required=False, label="Record id")

    def __init__(self, *args: Any, record_types: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        record_type = self.fields["record_type"]
        assert isinstance(record_type, forms.ChoiceField)
        record_type.choices = [("", "—"), *((label, label) for label in record_types)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        q = (data.get("q") or "").strip()
        if q:
            if not CORRELATION_ID.match(q):
                self.add_error("q", "A correlation id is 8–64 letters, digits, dots, colons, dashes or underscores.")
            data["q"] = q
        elif not (data.get("record_type") and (data.get("record_id") or "").strip()):
            raise forms.ValidationError("Enter a correlation id, or a record type and id.")
        return data
