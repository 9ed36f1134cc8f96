from django import forms


class BankChangeRejectForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.TextInput(attrs={"placeholder": "Why is the change rejected?"})
    )
