import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from finops.audit.context import correlation

_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class CorrelationIdMiddleware:
    """Take X-Correlation-ID from the caller when well-formed, else mint one; echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Correlation-ID", "")
        with correlation(given if _VALID.match(given) else None) as cid:
            request.correlation_id = cid  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Correlation-ID"] = cid
        return response
