from django.http.response import HttpResponseBase
from django.shortcuts import render

from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.search.query import MIN_TEXT_LENGTH, search_query
from finops.search.selectors import PER_KIND, search


@role_required()
def search_view(request: AuthedRequest) -> HttpResponseBase:
    query = search_query(request.GET.get("q", ""))
    ctx = {
        "query": query,
        "search_text": query.text,
        "groups": search(user=request.user, query=query),
        "per_kind": PER_KIND,
        "min_length": MIN_TEXT_LENGTH,
    }
    template = "search/results.html#results" if request.htmx and not request.htmx.boosted else "search/results.html"
    return render(request, template, ctx)
