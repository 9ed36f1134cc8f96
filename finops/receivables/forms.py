from django import forms

from finops.receivables.models import CollectionNote


class CollectionNoteForm(forms.Form):
    text = forms.CharField(
        label="New note",
        max_length=CollectionNote.MAX_TEXT,
        error_messages={"required": "Write what was done or agreed."},
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "e.g. Called their AP team; payment promised for Friday"}
        ),
    )
