"""Fault injection: the failures a connector has to survive, on demand.

A fault applies only where it means something: the request faults to any business request,
the page faults to paged reads, the delivery faults to webhook deliveries. A fault that does
not apply to a request is neither used nor used up by it.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from typing import Any, Final

from integrations.sandbox.exchange import FieldError
from integrations.sandbox.validation import whole_number

REQUEST_KINDS: Final = frozenset({"500", "503", "429", "timeout", "latency", "malformed"})
PAGE_KINDS: Final = frozenset({"duplicate", "out_of_order"})
DELIVERY_KINDS: Final = frozenset({"duplicate", "out_of_order", "latency"})
KINDS: Final = REQUEST_KINDS | PAGE_KINDS
HEADER_LATENCY_MS: Final = 500  # what `X-Sandbox-Fault: latency` waits, having no latency_ms of its own
MALFORMED_BODY: Final = b'{"data": [{"id": "'  # cut off mid-record, as a dropped proxy connection leaves it


@dataclasses.dataclass
class Fault:
    id: int
    kind: str
    path_prefix: str = "/"
    times: int = 1  # how many more requests get it
    retry_after: int = 1
    latency_ms: int = 0

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @property
    def wait_seconds(self) -> float:
        if self.kind == "latency" and self.latency_ms == 0:
            return HEADER_LATENCY_MS / 1000
        return self.latency_ms / 1000


def delivery_path(system: str) -> str:
    """The path a fault's path_prefix is matched against for a system's webhook deliveries."""
    return f"/{system}/webhooks"


class FaultBoard:
    """The armed faults, in the order they were armed; the first that matches is used."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def arm(self, body: dict[str, Any]) -> Fault:
        kind = str(body.get("kind", ""))
        if kind not in KINDS:
            raise FieldError("kind", f"kind must be one of {', '.join(sorted(KINDS))}")
        prefix = body.get("path_prefix", "/")
        if not isinstance(prefix, str) or not prefix.startswith("/"):
            raise FieldError("path_prefix", "path_prefix must be a path starting with /")
        fault = Fault(
            id=0,
            kind=kind,
            path_prefix=prefix,
            times=whole_number(body, "times", default=1, low=1, high=1_000_000),
            retry_after=whole_number(body, "retry_after", default=1, low=0, high=86_400),
            latency_ms=whole_number(body, "latency_ms", default=0, low=0, high=600_000),
        )
        with self._lock:
            fault.id = next(self._ids)
            self._faults.append(fault)
        return fault

    def take(self, path: str, applicable: frozenset[str]) -> Fault | None:
        """Use up one application of the first armed fault that matches path and applies here."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in applicable and path.startswith(fault.path_prefix):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return dataclasses.replace(fault)
        return None

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.as_json() for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


def header_fault(value: str, applicable: frozenset[str]) -> Fault | None:
    """The one-off fault an `X-Sandbox-Fault` header asks for, if it applies here; 422 for an unknown kind."""
    kind = value.strip()
    if not kind:
        return None
    if kind not in KINDS:
        raise FieldError("X-Sandbox-Fault", f"X-Sandbox-Fault must be one of {', '.join(sorted(KINDS))}")
    return Fault(id=0, kind=kind) if kind in applicable else None
