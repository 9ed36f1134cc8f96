from typing import Any

from django import forms
from django.db.models import QuerySet

from finops.masterdata.bank_identifiers import BankCodeKind
from finops.masterdata.models import LegalEntity


class BankChangeRejectForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.TextInput(attrs={"placeholder": "Why is the change rejected?"})
    )


class BankAccountForm(forms.Form):
    """One of our own accounts, as bank_account_create takes it (the service checks the rules)."""

    entity = forms.ModelChoiceField(queryset=LegalEntity.objects.none(), empty_label=None)
    name = forms.CharField(max_length=200, help_text="How people here call it, e.g. Operating account CHF.")
    currency = forms.CharField(max_length=3, widget=forms.TextInput(attrs={"size": 4}))
    iban = forms.CharField(
        max_length=42, required=False, label="IBAN", help_text="Leave blank where the country has none."
    )
    bic = forms.CharField(max_length=11, required=False, label="BIC")
    account_number = forms.CharField(
        max_length=34, required=False, help_text="Without an IBAN: as the bank writes it, e.g. 0035-2915203-10-000."
    )
    bank_code_kind = forms.ChoiceField(
        choices=[("", "none"), *BankCodeKind.choices], required=False, label="Kind of bank code"
    )
    bank_code = forms.CharField(
        max_length=20, required=False, help_text="The routing number, sort code, transit-institution number, ..."
    )
    country = forms.CharField(
        max_length=2,
        required=False,
        help_text="Blank: the bank code's country, else the entity's.",
        widget=forms.TextInput(attrs={"size": 3}),
    )
    bank_name = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, entities: QuerySet[LegalEntity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities  # type: ignore[attr-defined]


class BankAccountEditForm(BankAccountForm):
    """One of our accounts as bank_account_update takes it: its entity stays, it may be set inactive."""

    is_active = forms.BooleanField(required=False, label="Active (statements and payments use it)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, entities=LegalEntity.objects.none(), **kwargs)
        del self.fields["entity"]
