"""python manage.py import_bank_file FILE [--source NAME]: import one bank file, print a JSON summary."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.bankfiles.services import BankFileRefused, bank_file_check_size, bank_file_import


class Command(BaseCommand):
    help = (
        "Import a bank file (camt.052/.053/.054, MT940, BAI2, pain.002, NACHA returns/NOC, or a ZIP of them) "
        "atomically. Prints one JSON summary as the last line; the same file again reports duplicates and "
        "changes nothing. A refused file exits with status 1, names the file and the line or element, and "
        "writes nothing (the refused bytes are not kept, unlike a browser upload)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="Path of the bank file.")
        parser.add_argument(
            "--source", default="cli", help="Where the file came from, kept on the import (default cli)."
        )

    def handle(self, *args: Any, file: Path, source: str, **options: Any) -> None:
        try:
            bank_file_check_size(size=file.stat().st_size, filename=str(file))
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: cannot read the file ({exc.strerror or exc}); nothing was imported") from exc
        except BankFileRefused as exc:
            raise CommandError(exc.message) from exc
        try:
            result = bank_file_import(data=data, filename=file.name, source=source, keep_refused=False)
        except BankFileRefused as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(result.summary))
