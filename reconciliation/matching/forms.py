from typing import Any

from django import forms

from finops.accounts.models import User
from finops.accounts.selectors import entities_for
from finops.masterdata.models import LegalEntity
from reconciliation.matching.runs import match_kinds, match_may_request
from reconciliation.matching.states import MatchKind


class MatchRunRequestForm(forms.Form):
    """Run now: a kind and an entity the user may ask for (choices limited to those)."""

    kind = forms.ChoiceField(choices=())
    entity = forms.ModelChoiceField(queryset=LegalEntity.objects.none(), to_field_name="code", empty_label=None)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(MatchKind.choices)
        self.user = user
        kind_field = self.fields["kind"]
        entity_field = self.fields["entity"]
        assert isinstance(kind_field, forms.ChoiceField)
        assert isinstance(entity_field, forms.ModelChoiceField)
        kind_field.choices = [(kind, labels[kind]) for kind in match_kinds()]
        entity_field.queryset = entities_for(user)

    @property
    def is_offered(self) -> bool:
        """Whether the user may ask for any run at all (the page shows the form only then)."""
        return any(
            match_may_request(self.user, kind, entity) for kind in match_kinds() for entity in entities_for(self.user)
        )
