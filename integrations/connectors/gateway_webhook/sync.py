from __future__ import annotations

from typing import Any

from integrations.connectors.base import ApplyContext
from integrations.connectors.webhook import dispatch
from integrations.sync.mappers.remittances import remittance_apply


def succeeded_apply(ctx: ApplyContext, data: dict[str, Any]) -> str:
    applied = remittance_apply(ctx, data)
    return f"remittance {applied.outcome}"


def refunded_apply(ctx: ApplyContext, data: dict[str, Any]) -> str:
    return f"ignored: refund of {data.get('payment_id')} (refunds are not tracked yet)"


HANDLERS = {"payment.succeeded": succeeded_apply, "payment.refunded": refunded_apply}


def handle_event(ctx: ApplyContext, event: dict[str, Any]) -> str:
    return dispatch(HANDLERS, ctx, event)
