import django_filters

from finops.core.filters import EntityFilter
from reconciliation.matching.models import MatchRun
from reconciliation.matching.states import MatchKind, MatchRunState, MatchTrigger


class MatchRunFilter(django_filters.FilterSet):
    entity = EntityFilter()
    kind = django_filters.ChoiceFilter(choices=MatchKind.choices, empty_label="Any kind")
    state = django_filters.ChoiceFilter(choices=MatchRunState.choices, empty_label="Any state")
    trigger = django_filters.ChoiceFilter(choices=MatchTrigger.choices, empty_label="Any trigger")

    class Meta:
        model = MatchRun
        fields = ["entity", "kind", "state", "trigger"]
