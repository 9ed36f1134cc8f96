"""manage.py export_matches KIND --output FILE.csv [--entity CODE]

Writes what matching of KIND decided to a CSV file (three_way: invoice_number,status,reasons; see
reconciliation.matching.three_way.export) and prints a JSON summary as its last line. Exits 1 with
a clear message for an unknown kind or entity or a file that cannot be written; the file is
written whole or not at all (a temporary file beside it, renamed when complete)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from finops.core.workflow import WorkflowError
from reconciliation.matching.runs import match_entities, match_kind_spec, match_kinds


class Command(BaseCommand):
    help = "Export what matching decided (kinds: " + ", ".join(match_kinds()) + ") to a CSV file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", help="What to export: " + ", ".join(match_kinds()) + ".")
        parser.add_argument("--output", required=True, type=Path, help="The CSV file to write.")
        parser.add_argument("--entity", default="", help="A legal entity's code (default: every entity).")

    def handle(self, *args: Any, kind: str, output: Path, entity: str, **options: Any) -> None:
        try:
            spec = match_kind_spec(kind)
            if spec.export is None:
                raise WorkflowError(f"{kind!r} has nothing to export.")
            export = spec.export(entity_ids=[e.pk for e in match_entities(entity)])
        except WorkflowError as exc:
            raise CommandError(str(exc)) from exc
        rows = _write(output, export.columns, export.rows)
        self.stdout.write(json.dumps({"kind": kind, "output": str(output), "rows": rows, **export.summary}))


def _write(output: Path, columns: tuple[str, ...], rows: Any) -> int:
    folder = output.parent if str(output.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise CommandError(f"{output}: cannot be written ({exc.strerror}).") from exc
    count = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(row)
                count += 1
        os.replace(temporary, output)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(f"{output}: cannot be written ({exc.strerror}).") from exc
    return count
