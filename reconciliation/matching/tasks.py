"""Celery entry points of matching (autodiscovered). The run task sits beside the function it runs
(reconciliation.matching.runs), so that queueing a run needs no import of this module."""

from celery import shared_task

from reconciliation.matching.runs import match_lease_sweep, match_run_execute_task

__all__ = ["match_lease_sweep_task", "match_run_execute_task"]


@shared_task(acks_late=True)
def match_lease_sweep_task() -> None:
    """Hand the runs of dead workers to live ones. Idempotent: see match_lease_sweep."""
    match_lease_sweep()
