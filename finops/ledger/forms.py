"""Journal entry input: validation only; the view hands cleaned data to ledger.services."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet

from finops.core.money import validate_currency
from finops.ledger.services import JournalLineInput
from finops.masterdata.models import LegalEntity

LINE_ROWS = 6


class JournalEntryForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=LegalEntity.objects.none(), empty_label=None)
    posting_on = forms.DateField(label="Posting date", widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(max_length=3, min_length=3, help_text="ISO 4217, e.g. EUR.")
    description = forms.CharField(max_length=200)
    # One token per form shown: a double submit books the entry once (it is the entry's external id).
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, entities: QuerySet[LegalEntity], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities  # type: ignore[attr-defined]

    def clean_currency(self) -> str:
        code = str(self.cleaned_data["currency"]).upper()
        validate_currency(code)
        return code


class JournalLineForm(forms.Form):
    account_code = forms.CharField(max_length=32, required=False, label="Account")
    description = forms.CharField(max_length=200, required=False)
    debit = forms.DecimalField(max_digits=18, decimal_places=3, min_value=Decimal(0), required=False)
    credit = forms.DecimalField(max_digits=18, decimal_places=3, min_value=Decimal(0), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        account = (data.get("account_code") or "").strip()
        debit, credit = data.get("debit") or Decimal(0), data.get("credit") or Decimal(0)
        if not account and not debit and not credit:
            return data  # an empty row is ignored
        if not account:
            self.add_error("account_code", "Give the account.")
        if bool(debit) == bool(credit):
            self.add_error("debit", "Give either a debit or a credit.")
        return data

    def line(self) -> JournalLineInput | None:
        data = self.cleaned_data
        account = (data.get("account_code") or "").strip()
        if not account:
            return None
        return JournalLineInput(
            account_code=account,
            debit=data.get("debit") or Decimal(0),
            credit=data.get("credit") or Decimal(0),
            description=(data.get("description") or "").strip(),
        )


JournalLineFormSet = forms.formset_factory(JournalLineForm, extra=LINE_ROWS, max_num=50, validate_max=True)


def lines_of(formset: forms.BaseFormSet) -> list[JournalLineInput]:  # type: ignore[type-arg]
    return [line for form in formset.forms if (line := form.line()) is not None]  # type: ignore[attr-defined]
