from django.http.response import HttpResponseBase
from django.shortcuts import render

from finops.audit.selectors import events_for_object
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.core.listing import Column, page_of, render_list
from finops.treasury.filters import StatementFilter
from finops.treasury.selectors import statement_get, statement_list

EXPORT = (
    Column("entity", lambda s: s.entity.code),
    Column("statement", lambda s: s.external_id),
    Column("account", lambda s: s.bank_account.display_identifier),
    Column("statement_on", lambda s: s.statement_on),
    Column("currency", lambda s: s.currency),
    Column("opening_balance", lambda s: s.opening_balance),
    Column("closing_balance", lambda s: s.closing_balance),
    Column("entries", lambda s: s.entry_count),
    Column("format", lambda s: s.format),
)


@role_required("treasury.view_bankstatement")
def statement_list_view(request: AuthedRequest) -> HttpResponseBase:
    return render_list(
        request,
        template="treasury/statement_list.html",
        rows=statement_list(user=request.user),
        filterset_class=StatementFilter,
        export_columns=EXPORT,
        export_name="statements",
    )


@role_required("treasury.view_bankstatement")
def statement_detail_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    statement = statement_get(user=request.user, pk=pk)
    return render(
        request,
        "treasury/statement_detail.html",
        {
            "statement": statement,
            "lines": page_of(request, statement.lines.all(), per_page=50),
            "events": events_for_object(statement),
        },
    )
