from django import forms


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What was done"})
    )


class WriteOffForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Why it is written off"})
    )
