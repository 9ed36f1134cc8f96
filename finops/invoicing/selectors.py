from django.db.models import QuerySet

from finops.accounts.models import User
from finops.core.scoping import scoped, scoped_get
from finops.invoicing.models import Invoice


def invoice_list(*, user: User) -> QuerySet[Invoice]:
    return scoped(Invoice.objects.select_related("entity", "counterparty"), user)


def invoice_get(*, user: User, pk: int) -> Invoice:
    return scoped_get(
        Invoice.objects.select_related("entity", "counterparty", "purchase_order").prefetch_related("lines"),
        user,
        pk=pk,
    )
