from django.db.models import QuerySet

from finops.accounts.models import User
from finops.core.scoping import scoped, scoped_get
from finops.treasury.models import BankStatement, StatementLine


def statement_list(*, user: User) -> QuerySet[BankStatement]:
    return scoped(BankStatement.objects.select_related("entity", "bank_account"), user)


def statement_get(*, user: User, pk: int) -> BankStatement:
    return scoped_get(statement_list(user=user), user, pk=pk)


def statement_line_list(*, user: User) -> QuerySet[StatementLine]:
    """The booked entries of the user's statements."""
    return StatementLine.objects.filter(statement__in=statement_list(user=user).values("pk")).select_related(
        "statement", "statement__entity"
    )
