from django import forms


class ApproveForm(forms.Form):
    comment = forms.CharField(
        required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": "Comment (optional)"})
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.TextInput(attrs={"placeholder": "Why is it declined?"}))
