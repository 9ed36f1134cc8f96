"""Every write of the bank-file import. Views, the command and the task call these only."""

from integrations.bankfiles.services.common import BankFileRefused
from integrations.bankfiles.services.importer import (
    ImportResult,
    bank_file_check_size,
    bank_file_import,
    max_file_bytes,
)
from integrations.bankfiles.services.inbox import InboxPollResult, bank_file_inbox_poll

__all__ = [
    "BankFileRefused",
    "ImportResult",
    "InboxPollResult",
    "bank_file_check_size",
    "bank_file_import",
    "bank_file_inbox_poll",
    "max_file_bytes",
]
