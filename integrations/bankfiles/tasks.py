from celery import shared_task

from integrations.bankfiles.services import bank_file_inbox_poll


@shared_task(acks_late=True, ignore_result=True)
def bank_file_inbox_poll_task() -> dict[str, int]:
    """Import the files waiting in BANK_FILE_INBOX_DIR. Idempotent: files are keyed by sha256 and
    moved away only after their import committed, so a redelivered or overlapping run imports
    nothing twice."""
    result = bank_file_inbox_poll()
    return {"imported": len(result.imported), "duplicates": len(result.duplicates), "refused": len(result.refused)}
