"""The filter of the people an admin manages (the Users page, its CSV and GET /api/users/)."""

from __future__ import annotations

import django_filters
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from finops.accounts.forms import ROLE_CHOICES
from finops.accounts.models import User
from finops.accounts.roles import Role, entity_group_name
from finops.accounts.selectors import administered_entities
from finops.masterdata.models import LegalEntity

STATUS_CHOICES = (("active", "Active"), ("invited", "Invited, no password yet"), ("deactivated", "Deactivated"))


def _administered(request: HttpRequest | None) -> QuerySet[LegalEntity]:
    if request is None:
        return LegalEntity.objects.none()
    return administered_entities(request.user)  # type: ignore[arg-type]


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    entity = django_filters.ModelChoiceFilter(
        queryset=_administered, method="in_entity", label="Entity", empty_label="All your entities"
    )
    role = django_filters.ChoiceFilter(choices=ROLE_CHOICES, method="with_role", label="Role", empty_label="Any role")
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="by_status", label="Status", empty_label="Any status"
    )

    class Meta:
        model = User
        fields = ["q", "entity", "role", "status"]

    def search(self, rows: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        words = value.split()
        for word in words:
            rows = rows.filter(
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return rows

    def in_entity(self, rows: QuerySet[User], name: str, value: LegalEntity) -> QuerySet[User]:
        return rows.filter(
            pk__in=User.objects.filter(groups__name__in=[entity_group_name(r, value.code) for r in Role])
        )

    def with_role(self, rows: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        codes = _administered(self.request).values_list("code", flat=True)
        names = [entity_group_name(Role(value), code) for code in codes]
        return rows.filter(pk__in=User.objects.filter(groups__name__in=names))

    def by_status(self, rows: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        if value == "deactivated":
            return rows.filter(is_active=False)
        pending = Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)  # invited, no password chosen yet
        return rows.filter(pending, is_active=True) if value == "invited" else rows.filter(~pending, is_active=True)
