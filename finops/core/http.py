"""The request type our views receive once login_required has run."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from finops.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
    htmx: HtmxDetails
    correlation_id: str
