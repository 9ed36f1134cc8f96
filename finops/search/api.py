"""GET /api/search/?q=…: the global search, grouped by kind, as the search page shows it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finops.core.api import signed_in
from finops.core.templatetags.records import record_label, record_url
from finops.search.query import search_query
from finops.search.selectors import Group, Hit, search


class HitOutput(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.CharField(help_text="The record's kind, e.g. invoicing.Invoice.")
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="What people call the record: its number, name or IBAN.")
    url = serializers.CharField(allow_null=True, help_text="The record's page.")
    note = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    currency = serializers.CharField()
    on = serializers.DateField(allow_null=True)
    entity = serializers.CharField()
    state = serializers.CharField(allow_null=True)


class GroupOutput(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    has_more = serializers.BooleanField()
    results = HitOutput(many=True)


class SearchOutput(serializers.Serializer):  # type: ignore[type-arg]
    query = serializers.CharField()
    amounts = serializers.ListField(child=serializers.DecimalField(max_digits=18, decimal_places=4))
    currency = serializers.CharField()
    groups = GroupOutput(many=True)


def _hit(hit: Hit) -> dict[str, Any]:
    record = hit.record
    return {
        "type": record._meta.label,
        "id": record.pk,
        "reference": record_label(record),
        "url": record_url(record),
        "note": hit.note,
        "amount": hit.amount,
        "currency": hit.currency,
        "on": hit.on,
        "entity": hit.entity,
        "state": getattr(record, "state", None),
    }


def _group(group: Group) -> dict[str, Any]:
    return {
        "kind": group.key,
        "label": group.label,
        "has_more": group.has_more,
        "results": [_hit(hit) for hit in group.hits],
    }


class SearchApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Numbers, names, IBANs, amounts as typed.")],
        responses=SearchOutput,
    )
    def get(self, request: Request) -> Response:
        query = search_query(str(request.query_params.get("q", "")))
        groups = search(user=signed_in(request), query=query)
        body = {
            "query": query.text,
            "amounts": list(query.amounts),
            "currency": query.currency,
            "groups": [_group(group) for group in groups],
        }
        return Response(SearchOutput(body).data)
