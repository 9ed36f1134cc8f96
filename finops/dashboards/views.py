from django.http.response import HttpResponseBase
from django.shortcuts import render

from finops.accounts.selectors import user_roles
from finops.core.decorators import role_required
from finops.core.http import AuthedRequest
from finops.dashboards.selectors import CARDS_OF_ROLE, entity_summaries, recent_activity


@role_required()
def home_view(request: AuthedRequest) -> HttpResponseBase:
    roles = user_roles(request.user)
    sections = [{"role": role, "cards": CARDS_OF_ROLE[role](request.user)} for role in roles]
    return render(
        request,
        "dashboards/home.html",
        {
            "roles": roles,
            "sections": sections,
            "entities": entity_summaries(request.user),
            "activity": recent_activity(request.user),
        },
    )
