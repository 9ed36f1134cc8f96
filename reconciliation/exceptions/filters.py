import django_filters
from django import forms
from django.db.models import Q, QuerySet

from finops.core.filters import EntityFilter
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import ExceptionKind, ExceptionState, MatchReason, kinds_of_queue

QUEUE_CHOICES = (("ap", "AP queues"), ("treasury", "Treasury queues"), ("admin", "Integration and master data"))


class ExceptionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = EntityFilter()
    kind = django_filters.ChoiceFilter(choices=ExceptionKind.choices, empty_label="Any kind")
    state = django_filters.ChoiceFilter(choices=ExceptionState.choices, empty_label="Any state")
    queue = django_filters.ChoiceFilter(
        choices=QUEUE_CHOICES, method="by_queue", label="Queue", empty_label="All queues"
    )
    reason = django_filters.ChoiceFilter(
        choices=MatchReason.choices, method="by_reason", empty_label="Any reason", label="AP reason"
    )
    mine = django_filters.BooleanFilter(method="assigned_to_me", label="Assigned to me", widget=forms.CheckboxInput)

    class Meta:
        model = ExceptionItem
        fields = ["q", "entity", "kind", "state", "queue", "reason", "mine"]

    def search(self, rows: QuerySet[ExceptionItem], name: str, value: str) -> QuerySet[ExceptionItem]:
        return rows.filter(Q(title__icontains=value) | Q(correlation_id=value))

    def by_queue(self, rows: QuerySet[ExceptionItem], name: str, value: str) -> QuerySet[ExceptionItem]:
        return rows.filter(kind__in=kinds_of_queue(value))

    def by_reason(self, rows: QuerySet[ExceptionItem], name: str, value: str) -> QuerySet[ExceptionItem]:
        """The AP exceptions (3-way mismatches, duplicates) that give this reason code."""
        return rows.filter(detail__reasons__contains=[value])

    def assigned_to_me(self, rows: QuerySet[ExceptionItem], name: str, value: bool) -> QuerySet[ExceptionItem]:
        return rows.filter(assignee=self.request.user) if value else rows
