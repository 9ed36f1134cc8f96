from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Bank file",
        help_text="camt.052/.053/.054, MT940, BAI2, pain.002, NACHA returns, or a ZIP of them.",
    )
