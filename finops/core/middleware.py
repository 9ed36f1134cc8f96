"""Request hygiene every page and endpoint shares."""

from __future__ import annotations

import re
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.cache import add_never_cache_headers

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


class NoStoreWhenSignedInMiddleware:
    """Whatever a signed-in user is answered (pages, exports, API) holds entity data: no browser
    or proxy may keep it (Cache-Control: no-store, private). Static files never reach this far."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # read after the view: DRF's basic authentication sets the user while the view runs
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
