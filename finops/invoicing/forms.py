from django import forms

from finops.invoicing.models import ApAuthority, ApPolicy


def _text(placeholder: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        max_length=2000,
        required=required,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": placeholder}),
    )


class ReleaseForm(forms.Form):
    reason = _text("Why it is not a duplicate (e.g. a second delivery billed on its own)")


class CancelForm(forms.Form):
    reason = _text("Why the invoice is cancelled (e.g. sent twice, withdrawn by the supplier)")


class AcceptVarianceForm(forms.Form):
    note = _text("Why the variance is accepted (e.g. surcharge agreed with purchasing)")


class VarianceDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=(("accept", "Accept"), ("decline", "Decline")))
    note = _text("Your reason")


class ApproveForm(forms.Form):
    note = _text("Note (optional)", required=False)


class ApPolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ApPolicy
        fields = [
            "price_tolerance_pct",
            "price_tolerance_amount",
            "quantity_tolerance_pct",
            "duplicate_window_days",
            "auto_approve_matched",
        ]
        labels = {
            "price_tolerance_pct": "Price tolerance (%)",
            "price_tolerance_amount": "Price difference cap per line",
            "quantity_tolerance_pct": "Quantity tolerance (%)",
            "duplicate_window_days": "Duplicate window (days)",
            "auto_approve_matched": "Approve matched invoices automatically",
        }


class ApAuthorityForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ApAuthority
        fields = ["variance_limit", "approval_limit"]
        labels = {"variance_limit": "Variance limit", "approval_limit": "Approval limit without a PO"}
