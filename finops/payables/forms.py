from django import forms


class ApproveForm(forms.Form):
    comment = forms.CharField(
        required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": "Comment (optional)"})
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.TextInput(attrs={"placeholder": "Why is it declined?"}))


class MarkSentForm(forms.Form):
    confirmed = forms.BooleanField(
        label="The file was uploaded to the bank",
        error_messages={"required": "Confirm that the file was uploaded to the bank before marking the batch as sent."},
    )
