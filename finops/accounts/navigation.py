"""The menu a user sees depends on what their role lets them open: one list, filtered."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from finops.accounts.models import User


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str | None  # model permission needed; None = every signed-in user

    def url(self) -> str:
        return reverse(self.url_name)


NAV = (
    NavItem("Home", "dashboards:home", None),
    NavItem("Invoices", "invoicing:invoice-list", "invoicing.view_invoice"),
    NavItem("Purchase orders", "payables:po-list", "payables.view_purchaseorder"),
    NavItem("Goods receipts", "payables:receipt-list", "payables.view_goodsreceipt"),
    NavItem("Payments", "payables:payment-list", "payables.view_payment"),
    NavItem("Payment batches", "payables:batch-list", "payables.view_paymentbatch"),
    NavItem("Statements", "treasury:statement-list", "treasury.view_bankstatement"),
    NavItem("Journal entries", "ledger:journal-list", "ledger.view_journalentry"),
    NavItem("Bank files", "bankfiles:upload", "bankfiles.add_inboundfile"),
    NavItem("Counterparties", "masterdata:counterparty-list", "masterdata.view_counterparty"),
    NavItem("Bank accounts", "masterdata:bankaccount-list", "masterdata.view_bankaccount"),
    NavItem("Bank-account changes", "masterdata:bankchange-list", "masterdata.view_counterparty"),
    NavItem("Exceptions", "reconciliation:exception-list", None),
    NavItem("Match runs", "matching:run-list", "matching.view_matchrun"),
    NavItem("AP policy", "invoicing:ap-policy", "invoicing.view_invoice"),
    NavItem("Trace", "outbox:trace-search", None),
    NavItem("Audit trail", "audit:event-list", "audit.view_auditevent"),
    NavItem("Users", "accounts:user-list", "accounts.view_user"),
    NavItem("Connectors", "integrations:connector-list", "integrations.view_connector"),
    NavItem("Outbound messages", "outbox:message-list", "outbox.view_outboxmessage"),
)


def navigation_for(user: User, path: str) -> list[dict[str, object]]:
    items = []
    for item in NAV:
        if item.perm and not user.has_perm(item.perm):
            continue
        url = item.url()
        is_active = path == url if url == "/" else path.startswith(url)
        items.append({"label": item.label, "url": url, "is_active": is_active})
    # one item is the current page: the one whose address matches most of the path (AP policy, not Invoices)
    longest = max((len(str(i["url"])) for i in items if i["is_active"]), default=0)
    for i in items:
        i["is_active"] = i["is_active"] and len(str(i["url"])) == longest
    return items
