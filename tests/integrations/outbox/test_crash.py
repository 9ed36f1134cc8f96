"""Acceptance: kill the process at the worst moments and nothing is lost or doubled.

Each test runs a real child process on the test database that SIGKILLs itself at a chosen point:
right after its transaction commits (before anything is published), or right after the ERP
answered a posting (before the relay recorded it). The test process then relays and checks what
the sandbox ERP received.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from finops.ledger.models import JournalState
from finops.ledger.services import JournalLineInput, journal_entry_create, journal_entry_queue
from finops.outbox.models import OutboxMessage, OutboxState
from integrations.outbox.relay import LEASE, outbox_relay
from tests.integrations.outbox.conftest import header

REPO = Path(__file__).resolve().parents[3]

QUEUE_THEN_DIE_AFTER_COMMIT = """
    import os, signal, sys
    import django
    django.setup()
    from django.db import transaction
    from finops.ledger.services import journal_entry_queue

    with transaction.atomic():
        # registered first, so it runs first after COMMIT: before the relay nudge, before any relay
        transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
        journal_entry_queue(entry_id=int(sys.argv[1]), actor=None)
    print("still alive")
"""

RELAY_THEN_DIE_AFTER_POST = """
    import os, signal
    import django
    django.setup()
    from integrations.outbox.handlers import handler_for, handler_register
    from integrations.outbox.relay import outbox_relay

    real = handler_for("erp.journal_entry")

    def post_then_die(message):
        real.deliver(message)  # the ERP has booked it and answered
        os.kill(os.getpid(), signal.SIGKILL)  # ... and we never get to record that

    handler_register("erp.journal_entry", deliver=post_then_die, on_delivered=real.on_delivered, replace=True)
    outbox_relay()
    print("still alive")
"""


def _run_child(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "finops.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _entry(entity):
    return journal_entry_create(
        entity=entity,
        posting_on=dt.date(2026, 4, 30),
        currency="EUR",
        description="Bank charges April",
        lines=(
            JournalLineInput(account_code="6855", debit=Decimal("12.50")),
            JournalLineInput(account_code="1200", credit=Decimal("12.50")),
        ),
        external_id="JE-CRASH-1",
        actor=None,
    )


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_between_commit_and_publish_loses_nothing(erp_connector, sandbox, entity_de):
    entry = _entry(entity_de)

    child = _run_child(QUEUE_THEN_DIE_AFTER_COMMIT, str(entry.pk))
    entry.refresh_from_db()
    message = OutboxMessage.objects.get()
    state_left_behind = (entry.state, message.state, message.attempts)
    nothing_sent_yet = sandbox.posts_to("/erp/v1/journal_entries")
    outbox_relay()
    outbox_relay()

    entry.refresh_from_db()
    posts = sandbox.posts_to("/erp/v1/journal_entries")
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert "still alive" not in child.stdout
    assert state_left_behind == (JournalState.QUEUED, OutboxState.PENDING, 0)
    assert nothing_sent_yet == []
    assert len(posts) == 1
    assert header(posts[0], "Idempotency-Key") == "erp.journal_entry:fct:JE-CRASH-1"
    assert [je["description"] for je in sandbox.journal_entries()] == ["Bank charges April"]
    assert entry.state == JournalState.POSTED
    assert entry.erp_document_id == sandbox.journal_entries()[0]["document_number"]


@pytest.mark.django_db(transaction=True)
def test_a_relay_killed_after_the_post_resends_the_same_key_and_the_erp_books_once(erp_connector, sandbox, entity_de):
    entry = _entry(entity_de)
    journal_entry_queue(entry_id=entry.pk, actor=None)

    child = _run_child(RELAY_THEN_DIE_AFTER_POST)
    message = OutboxMessage.objects.get()
    left_behind = (message.state, message.attempts)
    while_leased = outbox_relay()
    with time_machine.travel(timezone.now() + LEASE + timedelta(seconds=5), tick=False):
        after_lease = outbox_relay()

    entry.refresh_from_db()
    message.refresh_from_db()
    posts = sandbox.posts_to("/erp/v1/journal_entries")
    [booked] = sandbox.journal_entries()
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert left_behind == (OutboxState.DELIVERING, 1)
    assert while_leased.claimed == 0
    assert after_lease.delivered == 1
    assert [p["status"] for p in posts] == [201, 200]  # the second is the ERP's idempotent replay
    assert header(posts[0], "Idempotency-Key") == header(posts[1], "Idempotency-Key") == message.idempotency_key
    assert posts[0]["body"] == posts[1]["body"]
    assert message.state == OutboxState.DELIVERED
    assert message.attempts == 2
    assert message.result["document_number"] == booked["document_number"]
    assert entry.state == JournalState.POSTED
    assert entry.erp_document_id == booked["document_number"]
