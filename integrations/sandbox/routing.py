"""Which handler answers a method and path, and how the server treats it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from integrations.sandbox.exchange import HttpError, Request, Response

if TYPE_CHECKING:
    from integrations.sandbox.state import SandboxState

Handler = Callable[["SandboxState", Request], Response]


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    is_business: bool = True  # needs the token, takes request faults, appears in the request log
    is_paged: bool = False  # takes the page faults (duplicate, out_of_order)
    is_idempotent: bool = False  # a POST that needs an Idempotency-Key and replays


def route(method: str, path: str, handler: Handler, **flags: bool) -> Route:
    """A route for a path template such as "/bank/v1/accounts/{iban}/balances"; a part may
    restrict its values with a pattern: "/_sandbox/{system:billing|gateway}/emit"."""

    def group(match: re.Match[str]) -> str:
        return f"(?P<{match.group(1)}>{match.group(2) or '[^/]+'})"

    regex = re.sub(r"\{(\w+)(?::([^}]+))?\}", group, path)
    return Route(method, re.compile(f"^{regex}$"), handler, **flags)


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(routes)

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route for method and path; HttpError 404 for an unknown path, 405 for a wrong method."""
        allowed: list[str] = []
        for candidate in self.routes:
            match = candidate.pattern.match(path)
            if match is None:
                continue
            if candidate.method == method:
                return candidate, match.groupdict()
            allowed.append(candidate.method)
        if allowed:
            methods = ", ".join(sorted(set(allowed)))
            raise HttpError(405, f"{method} is not allowed on {path}", headers=[("Allow", methods)], allowed=methods)
        raise HttpError(404, f"no such endpoint: {path}")
