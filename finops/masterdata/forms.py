from typing import Any

from django import forms
from django.db.models import QuerySet

from finops.masterdata.models import LegalEntity
from finops.masterdata.services.house_accounts import HouseAccountData


class BankChangeRejectForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.TextInput(attrs={"placeholder": "Why is the change rejected?"})
    )


class HouseAccountForm(forms.Form):
    """One of our own accounts as house_account_create takes it (the service checks the rules and
    names the field that is wrong). `entity` only when adding: an account keeps its entity."""

    entity = forms.ModelChoiceField(queryset=LegalEntity.objects.none(), empty_label=None, to_field_name="code")
    name = forms.CharField(max_length=200, help_text="How people here call it, e.g. Commerzbank operating EUR.")
    currency = forms.CharField(max_length=8, help_text="Its ISO code, e.g. EUR.")
    iban = forms.CharField(max_length=42, required=False, label="IBAN", help_text="With or without spaces.")
    bic = forms.CharField(max_length=11, required=False, label="BIC")
    account_number = forms.CharField(max_length=34, required=False, help_text="Where the country has no IBAN.")
    routing_number = forms.CharField(max_length=9, required=False, label="ABA routing number", help_text="US accounts.")
    bank_name = forms.CharField(max_length=200, required=False, label="Bank")
    is_active = forms.BooleanField(required=False, initial=True, label="Active (statements and payments use it)")

    def __init__(self, *args: Any, entities: QuerySet[LegalEntity] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if entities is None:
            del self.fields["entity"]
        else:
            self.fields["entity"].queryset = entities  # type: ignore[attr-defined]
            self.fields["entity"].error_messages["invalid_choice"] = "Choose an entity you administer."

    def data_for_service(self) -> HouseAccountData:
        values = {k: v for k, v in self.cleaned_data.items() if k != "entity"}
        return HouseAccountData(**values)
