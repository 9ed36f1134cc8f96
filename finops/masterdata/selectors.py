from django.db.models import QuerySet

from finops.accounts.models import User
from finops.accounts.selectors import entities_for
from finops.core.scoping import scoped, scoped_get
from finops.masterdata.models import BankAccount, Counterparty


def counterparty_list(*, user: User) -> QuerySet[Counterparty]:
    """Counterparties doing business with at least one of the user's entities."""
    visible = Counterparty.objects.filter(entities__in=entities_for(user)).values("pk")
    return Counterparty.objects.filter(pk__in=visible)


def counterparty_get(*, user: User, pk: int) -> Counterparty:
    return scoped_get(
        counterparty_list(user=user).prefetch_related("bank_accounts", "entities"), user, pk=pk, via="entities"
    )


def bank_account_list(*, user: User) -> QuerySet[BankAccount]:
    """Our own accounts (house banks) in the user's entities."""
    return scoped(BankAccount.objects.select_related("entity"), user)


def bank_account_get(*, user: User, pk: int) -> BankAccount:
    return scoped_get(bank_account_list(user=user), user, pk=pk)
