"""Filter pieces shared by the FilterSets of every list (screens and API alike)."""

import django_filters
from django import forms
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


def DateFilter(field_name: str, lookup_expr: str, label: str) -> django_filters.DateFilter:  # noqa: N802
    """A date filter rendered as the browser's date picker (ISO dates, no locale guessing)."""
    return django_filters.DateFilter(
        field_name=field_name, lookup_expr=lookup_expr, label=label, widget=forms.DateInput(attrs={"type": "date"})
    )
