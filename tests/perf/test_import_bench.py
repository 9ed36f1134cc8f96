"""Import benchmark (run by `make bench`, never by `make test`): generated camt.053 and MT940 files
of 20,000 and 100,000 entries imported end to end through bank_file_import, against a baseline
measured in the same run on the same rows.

Each measurement runs in its own process (tests/perf/measure.py) so that its peak RSS is its
own. The results are printed as a Markdown table (copied into docs/benchmarks.md) and written to
test-results/bench-import.json. BENCH_REPEAT=n takes the best of n runs of each measurement.
The run fails when an import's memory is not flat: more than MEMORY_BEYOND_FILE_MIB above the
idle process and the file's own bytes (which the import takes whole); peak memory does not
depend on how busy the host is. BENCH_ENFORCE=1 also fails it when an import is more than 3
times its baseline, which on a shared host is a matter of timing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.factories import LegalEntityFactory, OwnBankAccountFactory
from tests.perf.generate import BENCH_ACCOUNT, BENCH_IBAN, camt053_file, mt940_file

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
TARGET_RATIO = 3.0
MEMORY_BEYOND_FILE_MIB = 64
REPEAT = int(os.environ.get("BENCH_REPEAT", "1"))

# (label, generator, entries, entries per statement)
RUNS: list[tuple[str, Callable[..., Path], int, int]] = [
    ("camt.053", camt053_file, 20_000, 100_000),
    ("camt.053", camt053_file, 100_000, 100_000),
    ("camt.053", camt053_file, 100_000, 1_000),
    ("mt940", mt940_file, 20_000, 100_000),
    ("mt940", mt940_file, 100_000, 100_000),
]


def _database_url() -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
        f"/{settings['NAME']}"
    )


def _measure(mode: str, path: Path | None = None) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "finops.settings.test"}
    args = [sys.executable, "-m", "tests.perf.measure", mode, *([str(path)] if path else [])]
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _clear_imports() -> None:
    """Empty what an import wrote, so every run starts from the same table sizes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE treasury_statementline, treasury_bankstatement, bankfiles_inboundfile_entities, "
            "bankfiles_processedmessage, bankfiles_inboundfile CASCADE"
        )


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return min(runs, key=lambda r: r["seconds"])


def _machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    total_kib = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal")), 0)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(total_kib / 1024 / 1024, 1),
        "load_average": os.getloadavg(),
        "python": sys.version.split()[0],
        "postgresql": postgres,
    }


def _table(rows: list[dict[str, Any]], idle_mib: float) -> str:
    lines = [
        f"idle process (Django set up, connected): {idle_mib:.0f} MiB peak RSS",
        "",
        "| file | entries | per statement | size MiB | import s | entries/s "
        "| baseline s (parse + COPY into the table) | ratio | floor s (parse + COPY into a bare table) "
        "| ratio to the floor | our reader alone s | peak MiB | above idle MiB | beyond the file MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['format']} | {r['entries']:,} | {r['per_statement']:,} | {r['size_mib']:.1f} "
            f"| {r['import_seconds']:.1f} | {r['entries_per_second']:,.0f} "
            f"| {r['baseline_seconds']:.2f} ({r['parse_seconds']:.2f} + {r['table_copy_seconds']:.2f}) "
            f"| {r['ratio']:.1f}x "
            f"| {r['floor_seconds']:.2f} ({r['parse_seconds']:.2f} + {r['copy_seconds']:.2f}) "
            f"| {r['floor_ratio']:.1f}x | {r['reader_seconds']:.1f} "
            f"| {r['peak_mib']:.0f} | {r['peak_mib'] - idle_mib:.0f} "
            f"| {r['peak_mib'] - idle_mib - r['size_mib']:.0f} |"
        )
    return "\n".join(lines)


def test_import_benchmark(tmp_path: Path) -> None:
    entity = LegalEntityFactory(code="BENCH")
    OwnBankAccountFactory(entity=entity, iban=BENCH_IBAN, bic="")
    OwnBankAccountFactory(entity=entity, iban="", account_number=BENCH_ACCOUNT, bic="")
    idle = _measure("idle")
    rows: list[dict[str, Any]] = []

    for label, generate, entries, per_statement in RUNS:
        suffix = "xml" if label.startswith("camt") else "sta"
        path = generate(tmp_path / f"bench-{entries}-{per_statement}.{suffix}", entries, per_statement=per_statement)
        imports, baselines = [], []
        for _ in range(REPEAT):
            _clear_imports()
            imports.append(_measure("import", path))
            baselines.append(_measure("baseline", path))
        best_import, best_baseline = _best(imports), _best(baselines)
        assert best_import["status"] == "imported"
        assert best_import["entries"] == best_baseline["entries"] == entries
        parse_seconds = best_baseline["parse_seconds"]
        table_copy_seconds = min(b["table_copy_seconds"] for b in baselines)
        rows.append(
            {
                "format": label,
                "entries": entries,
                "per_statement": min(per_statement, entries),
                "size_mib": path.stat().st_size / 1024 / 1024,
                "import_seconds": best_import["seconds"],
                "entries_per_second": entries / best_import["seconds"],
                # the baseline: lxml's parse alone + COPY of the same rows into the table they go to
                "baseline_seconds": parse_seconds + table_copy_seconds,
                "parse_seconds": parse_seconds,
                "table_copy_seconds": table_copy_seconds,
                "ratio": best_import["seconds"] / (parse_seconds + table_copy_seconds),
                # a stricter floor: the same COPY into a temporary table without indexes
                "floor_seconds": best_baseline["seconds"],
                "copy_seconds": best_baseline["copy_seconds"],
                "floor_ratio": best_import["seconds"] / best_baseline["seconds"],
                "reader_seconds": min(b["reader_seconds"] for b in baselines),
                "peak_mib": max(i["peak_mib"] for i in imports),
            }
        )
        path.unlink()

    machine = _machine()
    table = _table(rows, idle["peak_mib"])
    sys.stdout.write(f"\n\n{json.dumps(machine)}\n\n{table}\n")
    out = REPO / "test-results" / "bench-import.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "idle_mib": idle["peak_mib"], "runs": rows}, indent=2))
    assert len(rows) == len(RUNS)
    heavy = [r for r in rows if r["peak_mib"] - idle["peak_mib"] - r["size_mib"] > MEMORY_BEYOND_FILE_MIB]
    assert not heavy, f"imports using more than {MEMORY_BEYOND_FILE_MIB} MiB beyond idle and the file: {heavy}"
    if os.environ.get("BENCH_ENFORCE") == "1":
        slow = [r for r in rows if r["ratio"] > TARGET_RATIO]
        assert not slow, f"imports above {TARGET_RATIO}x their baseline: {slow}"
