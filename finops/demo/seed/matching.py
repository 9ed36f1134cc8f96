"""AP invoice control in the demo: each company's AP policy and who decides what, then the first
3-way match run of each, which must hold exactly what the purchasing step planted (a price above
the order's, more billed than received, goods billed before delivery, a duplicate), no more, no
less; the seed refuses to finish otherwise."""

from __future__ import annotations

from decimal import Decimal

from finops.accounts.roles import Role
from finops.invoicing.models import ApAuthority, ApPolicy, InvoiceMatch
from finops.invoicing.states import MatchStatus
from finops.masterdata.models import LegalEntity
from reconciliation.exceptions.models import ExceptionItem
from reconciliation.exceptions.states import OPEN_EXCEPTION_STATES, ExceptionKind
from reconciliation.matching.runs import match_run_execute, match_run_request
from reconciliation.matching.states import MatchKind, MatchRunState, MatchTrigger

# entity code -> (automatic approval of matched invoices, price cap a line, AP clerk's variance
# limit, AP clerk's approval limit without an order); controllers have no limit
AP_POLICIES: dict[str, tuple[bool, Decimal | None, Decimal, Decimal]] = {
    "DE01": (True, None, Decimal(250), Decimal(2500)),
    "GB01": (False, Decimal(150), Decimal(200), Decimal(2000)),
    "US01": (False, None, Decimal(250), Decimal(2500)),
}


class DemoMatchMismatch(RuntimeError):
    """The first match run held something other than what the demo planted."""


def ap_policies_create(entities: dict[str, LegalEntity]) -> None:
    for code, (auto, cap, variance, approval) in AP_POLICIES.items():
        entity = entities[code]
        ApPolicy.objects.create(entity=entity, auto_approve_matched=auto, price_tolerance_amount=cap)
        ApAuthority.objects.create(entity=entity, role=Role.AP_CLERK, variance_limit=variance, approval_limit=approval)


def ap_first_match(
    entities: dict[str, LegalEntity], planted: dict[str, frozenset[str]], *, source: str
) -> list[ExceptionItem]:
    """Run each entity's 3-way match (as a match run, on its page like any other) and check it held
    exactly the planted invoices, each for one of its planted reasons. Returns the AP exceptions
    it opened."""
    for entity in entities.values():
        run = match_run_request(
            kind=MatchKind.THREE_WAY,
            entity=entity,
            trigger=MatchTrigger.MANUAL,
            detail="demo seed: the first run",
            enqueue=False,
        ).run
        if match_run_execute(run_id=run.pk) != MatchRunState.SUCCEEDED:
            run.refresh_from_db()
            raise DemoMatchMismatch(f"The demo's first 3-way match of {entity.code} failed: {run.error}")
    held = {
        external_id: set(reasons)
        for external_id, reasons in InvoiceMatch.objects.filter(
            status=MatchStatus.EXCEPTION, invoice__source=source, invoice__entity__in=entities.values()
        ).values_list("invoice__external_id", "reasons")
    }
    problems = [f"{x} was not held" for x in sorted(planted.keys() - held.keys())]
    problems += [
        f"{x} was held for {sorted(held[x])} but nothing was planted" for x in sorted(held.keys() - planted.keys())
    ]
    problems += [
        f"{x} was held for {sorted(held[x])}, planted {sorted(planted[x])}"
        for x in sorted(held.keys() & planted.keys())
        if not held[x] or not held[x] <= planted[x]
    ]
    if problems:
        raise DemoMatchMismatch("The demo's first 3-way match differs from the plan: " + "; ".join(problems))
    return list(
        ExceptionItem.objects.filter(
            entity__in=entities.values(),
            kind__in=(ExceptionKind.THREE_WAY_MISMATCH, ExceptionKind.DUPLICATE_INVOICE),
            state__in=OPEN_EXCEPTION_STATES,
        ).order_by("pk")
    )
