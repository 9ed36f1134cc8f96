"""Request hygiene every page and endpoint shares."""

from __future__ import annotations

import re
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

log = structlog.get_logger(__name__)
_CONTENT_LENGTH = re.compile(r"[0-9]{1,18}")


class ContentLengthMiddleware:
    """A Content-Length that is not plain ASCII digits ("²", "-1", "1e3") is a 400 here, before
    Django reads the body and fails on it with a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared and not _CONTENT_LENGTH.fullmatch(declared):
            log.warning("request.refused", reason="malformed Content-Length", path=request.path)
            return HttpResponseBadRequest("Malformed Content-Length header.", content_type="text/plain")
        return self.get_response(request)
