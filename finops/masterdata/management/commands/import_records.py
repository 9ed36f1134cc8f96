"""manage.py import_records KIND FILE.csv [--source NAME]

Prints a JSON summary as its last line; exits 1 naming the file, line and column when the file
is refused, in which case nothing was written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from finops.masterdata.imports import KINDS, RecordsRefused, records_import
from finops.masterdata.imports.base import MAX_FILE_BYTES


class Command(BaseCommand):
    help = (
        "Import records from a CSV file (UTF-8, comma, header row): "
        + ", ".join(KINDS)
        + ". Upserts by (source, external_id); the whole file or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="csv", help="The source system the records come from (default: csv).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split the file.")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot be read ({exc.strerror}).") from exc
        try:
            tally = records_import(kind=options["kind"], data=data, source=options["source"])
        except RecordsRefused as refused:
            count = len(refused.problems)
            raise CommandError(
                f"{path}: refused, nothing was written ({count} problem{'s' if count != 1 else ''}):\n"
                + "\n".join(f"{path}: {problem}" for problem in refused.problems)
                + ("\n(more problems not listed)" if refused.more else "")
            ) from refused
        self.stdout.write(json.dumps(tally.as_dict()))
