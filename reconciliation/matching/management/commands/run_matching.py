"""manage.py run_matching KIND [--entity CODE] [--currency XXX]

Runs matching of KIND now, in this process, for one entity or for every entity, each as a
MatchRun (on the runs page like any other). Prints a JSON summary as its last line; exits 1 with
a message naming the entity when a run cannot start or fails. Kinds are those registered with
reconciliation.matching.runs.match_kind_register."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from finops.core.workflow import WorkflowError
from reconciliation.matching.runs import match_kinds, match_runs_now


class Command(BaseCommand):
    help = (
        "Run matching now (kinds: "
        + ", ".join(match_kinds())
        + ") for one entity or all, each as a match run; JSON summary on the last line."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", help="What to match: " + ", ".join(match_kinds()) + ".")
        parser.add_argument("--entity", default="", help="A legal entity's code (default: every entity).")
        parser.add_argument("--currency", default="", help="Only this currency, for kinds that partition by it.")

    def handle(self, *args: Any, kind: str, entity: str, currency: str, **options: Any) -> None:
        if kind not in match_kinds():
            raise CommandError(f"{kind!r} is not a kind of matching; the kinds are {', '.join(match_kinds())}.")
        try:
            summary = match_runs_now(kind=kind, entity_code=entity, currency=currency)
        except WorkflowError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(summary, default=str))
