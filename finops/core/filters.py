"""Filter pieces shared by the FilterSets of every list (screens and API alike)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django_filters import ModelChoiceFilter

from finops.accounts.selectors import entities_for
from finops.masterdata.models import LegalEntity


def _user_entities(request: HttpRequest | None) -> QuerySet[LegalEntity]:
    if request is None:
        return LegalEntity.objects.none()
    return entities_for(request.user)  # type: ignore[arg-type]


def EntityFilter(field_name: str = "entity") -> ModelChoiceFilter:  # noqa: N802 - reads like a class
    """Entity choice limited to the user's entities; a foreign entity id is a validation error."""
    return ModelChoiceFilter(field_name=field_name, queryset=_user_entities, label="Entity", empty_label="All entities")
