"""One way to render a filtered, paginated, exportable list for every list page.

Views pass an already entity-scoped queryset (from a selector); this module never widens it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django_filters import FilterSet

PAGE_SIZE = 25
EXPORT_LIMIT = 100_000
# OWASP's CSV injection rule: a spreadsheet reads a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], object]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_cell(value: object) -> str:
    """One exported cell, safe to open in a spreadsheet: text beginning with =, +, -, @, tab or CR
    gets a leading single quote, so it shows as text and is never evaluated. A plain number
    (digits with an optional minus and decimal part, like a balance of -12.50) is left as it is:
    it cannot form a formula, and quoting it would make it text nobody can add up."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _export(rows: QuerySet[Any], columns: Sequence[Column], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow([c.label for c in columns])
        for row in rows[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield writer.writerow([csv_cell(c.value(row)) for c in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def page_of(request: HttpRequest, rows: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page[Any]:
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def render_list(
    request: HttpRequest,
    *,
    template: str,
    rows: QuerySet[Any],
    filterset_class: type[FilterSet],
    export_columns: Sequence[Column],
    export_name: str,
    filterset_kwargs: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponseBase:
    filterset = filterset_class(request.GET or None, queryset=rows, request=request, **(filterset_kwargs or {}))
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else rows
    if filterset.is_bound and not filterset.is_valid():
        filtered = rows.none()
    if request.GET.get("export") == "csv":
        return _export(filtered, export_columns, export_name)
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {"filter": filterset, "page": page_of(request, filtered), "query": query.urlencode(), **(context or {})}
    name = f"{template}#rows" if getattr(request, "htmx", False) and not request.htmx.boosted else template  # type: ignore[attr-defined]
    return render(request, name, ctx)
