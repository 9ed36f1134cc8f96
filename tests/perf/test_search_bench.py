"""Global search benchmark (run by `make bench`, never by `make test`): the searches people type
into the header's box, against a year or two of a mid-sized group's records (a million invoices
and bank entries), beside a baseline measured in the same run: the query the Invoices page runs
to read one record (an invoice by its id, through the entity-scoped selector every page uses);
the Invoices page's own query (its first 25 rows and their count) is reported beside it.

For each search it reports the time of `finops.search.selectors.search` (every kind the user may
open, best of REPEAT), the same search with the search indexes dropped, and whether the
planner, at this volume, reads any big table whole (a "Seq Scan") for any kind. The results are
printed as a Markdown table (copied into docs/benchmarks.md) and written to
test-results/bench-search.json. The run fails when a search reads a big table whole.

Rows are made by SQL (generate_series) from one row of each kind made by the factories, so that
every column the models have is filled the way the application fills it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from finops.accounts.roles import Role
from finops.accounts.services import roles_sync, user_grant_role
from finops.invoicing.selectors import invoice_list
from finops.search.query import search_query
from finops.search.selectors import KINDS, search
from tests.factories import (
    BankStatementFactory,
    CounterpartyBankAccountFactory,
    CounterpartyFactory,
    InvoiceFactory,
    LegalEntityFactory,
    OwnBankAccountFactory,
    PaymentBatchFactory,
    PaymentFactory,
    StatementLineFactory,
    UserFactory,
    purchase_order_make,
)

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
REPEAT = max(5, int(os.environ.get("BENCH_REPEAT", "5")))
VOLUME = {
    "masterdata_counterparty": 100_000,
    "masterdata_bankaccount": 100_000,
    "invoicing_invoice": 1_000_000,
    "payables_payment": 300_000,
    "payables_paymentbatch": 10_000,
    "payables_purchaseorder": 200_000,
    "treasury_bankstatement": 20_000,
    "treasury_statementline": 1_000_000,
}
SEARCHES = (
    ("an invoice number", "INV-0481516"),
    ("part of a number, very common", "2026"),
    ("a counterparty's name, in part", "werkzeug"),
    ("two words of a name", "rhein logistik"),
    ("an IBAN with spaces", "DE89 3704 0044 0532 0130 00"),
    ("the end of an IBAN", "0532 0130 00"),
    ("an amount, German style", "1.234,50"),
    ("an amount, English style", "48,120.00"),
    ("a statement reference", "STMT-2025-03-14"),
    ("a payment's end-to-end id", "E2E-BENCH-00123456"),
)
WORDS = [
    "Nord",
    "Süd",
    "Rhein",
    "Elbe",
    "Main",
    "Alpen",
    "Hafen",
    "Werk",
    "Technik",
    "Logistik",
    "Metall",
    "Bau",
    "Handel",
    "Energie",
    "Chemie",
    "Thames",
    "Mersey",
    "Severn",
    "Atlantic",
    "Pacific",
    "Summit",
    "Harbor",
    "Granite",
    "Pioneer",
    "Keystone",
    "Liberty",
    "Cedar",
]
FORMS = ("GmbH", "AG", "Ltd", "plc", "Inc", "LLC", "SARL", "BV", "KG", "SE")


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
            "ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def _clone(table: str, template_id: int, source: str, overrides: dict[str, str]) -> None:
    """Rows of `table` like the template row, one per row of `source` (a SELECT giving g, ...),
    with the `overrides` (column: SQL expression over t, the template, and s, the source row)."""
    columns = _columns(table)
    missing = set(overrides) - set(columns)
    assert not missing, f"{table} has no column {missing}"
    values = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM {table} t, ({source}) s "  # noqa: S608
            f"WHERE t.id = {int(template_id)}"
        )


def _series(count: int) -> str:
    return f"SELECT g FROM generate_series(1, {int(count)}) g"  # noqa: S608


def _bench_ids(table: str, column: str = "external_id") -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id), count(*) FROM {table} WHERE {column} LIKE 'BENCH-%%'")  # noqa: S608
        low, high, count = cursor.fetchone()
    assert high - low + 1 == count, f"{table}: generated ids are not contiguous"
    return low, count


def _search_indexes() -> tuple[tuple[str, str, str], ...]:
    migration = importlib.import_module("finops.search.migrations.0001_search_indexes")
    return migration.INDEXES  # type: ignore[no-any-return]


def _drop_search_indexes() -> None:
    with connection.cursor() as cursor:
        for name, _, _ in _search_indexes():
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def _create_search_indexes() -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for name, table, definition in _search_indexes():
            cursor.execute(f"CREATE INDEX {name} ON {table} USING {definition}")
    return time.perf_counter() - started


def _generate(entities: list[Any], templates: dict[str, Any]) -> float:
    started = time.perf_counter()
    ids = "(ARRAY[" + ", ".join(str(e.pk) for e in entities) + "]::bigint[])"
    words = "(ARRAY[" + ", ".join(f"'{w}'" for w in WORDS) + "])"
    forms = "(ARRAY[" + ", ".join(f"'{f}'" for f in FORMS) + "])"
    entity = f"({ids})[1 + s.g % {len(entities)}]"
    amount = "round((1 + random() * 99999)::numeric, 2)"
    day = "(date '2024-06-01' + (s.g % 640))"
    _clone(
        "masterdata_counterparty",
        templates["supplier"].pk,
        _series(VOLUME["masterdata_counterparty"]),
        {
            "external_id": "'BENCH-CP-' || s.g",
            "correlation_id": "md5('cp' || s.g)",
            "name": f"{words}[1 + s.g % {len(WORDS)}] || ' ' || {words}[1 + (s.g / {len(WORDS)}) % {len(WORDS)}] "
            f"|| ' ' || s.g || ' ' || {forms}[1 + s.g % {len(FORMS)}]",
            "tax_id": "'DE' || lpad(s.g::text, 9, '0')",
        },
    )
    cp_low, cp_count = _bench_ids("masterdata_counterparty")
    pick = f"{ids}[1 + id % {len(entities)}]"
    links = f"INSERT INTO masterdata_counterparty_entities (counterparty_id, legalentity_id) SELECT id, {pick} "
    links += "FROM masterdata_counterparty WHERE external_id LIKE 'BENCH-%%'"
    with connection.cursor() as cursor:
        cursor.execute(links)
    counterparty = f"({cp_low} + s.g % {cp_count})"
    _clone(
        "masterdata_bankaccount",
        templates["theirs"].pk,
        _series(VOLUME["masterdata_bankaccount"]),
        {
            "external_id": "'BENCH-BA-' || s.g",
            "correlation_id": "md5('ba' || s.g)",
            "iban": "'DE' || lpad((s.g % 97)::text, 2, '0') || '5001' || lpad((s.g * 7919)::text, 14, '0')",
            "counterparty_id": counterparty,
        },
    )
    _clone(
        "invoicing_invoice",
        templates["invoice"].pk,
        f"SELECT g, {amount} AS a FROM generate_series(1, {VOLUME['invoicing_invoice']}) g",  # noqa: S608
        {
            "external_id": "'BENCH-INV-' || s.g",
            "correlation_id": "md5('inv' || s.g)",
            "number": "'INV-' || lpad(s.g::text, 7, '0')",
            "amount": "s.a",
            "open_amount": "s.a",
            "issue_on": day,
            "due_on": f"{day} + 30",
            "entity_id": entity,
            "counterparty_id": counterparty,
        },
    )
    _clone(
        "payables_payment",
        templates["payment"].pk,
        f"SELECT g, {amount} AS a FROM generate_series(1, {VOLUME['payables_payment']}) g",  # noqa: S608
        {
            "external_id": "'BENCH-PAY-' || s.g",
            "correlation_id": "md5('pay' || s.g)",
            "end_to_end_id": "'E2E-BENCH-' || lpad(s.g::text, 8, '0')",
            "amount": "s.a",
            "entity_id": entity,
            "counterparty_id": counterparty,
        },
    )
    _clone(
        "payables_paymentbatch",
        templates["batch"].pk,
        _series(VOLUME["payables_paymentbatch"]),
        {
            "external_id": f"'BENCH-PB-' || to_char({day}, 'YYYYMMDD') || '-' || s.g",
            "correlation_id": "md5('pb' || s.g)",
            "control_sum": amount,
            "entity_id": entity,
        },
    )
    _clone(
        "payables_purchaseorder",
        templates["order"].pk,
        _series(VOLUME["payables_purchaseorder"]),
        {
            "external_id": "'BENCH-PO-' || s.g",
            "correlation_id": "md5('po' || s.g)",
            "number": "'45' || lpad(s.g::text, 8, '0')",
            "ordered_on": day,
            "entity_id": entity,
            "supplier_id": counterparty,
        },
    )
    _clone(
        "treasury_bankstatement",
        templates["statement"].pk,
        _series(VOLUME["treasury_bankstatement"]),
        {
            "external_id": f"'BENCH-STMT-' || to_char({day}, 'YYYY-MM-DD') || '-' || s.g",
            "correlation_id": "md5('st' || s.g)",
            "statement_on": day,
            "entity_id": entity,
        },
    )
    st_low, st_count = _bench_ids("treasury_bankstatement")
    _clone(
        "treasury_statementline",
        templates["line"].pk,
        _series(VOLUME["treasury_statementline"]),
        {
            "statement_id": f"{st_low} + s.g % {st_count}",
            "line_no": "1000 + s.g",
            "amount": amount,
            "counterparty_name": f"{words}[1 + s.g % {len(WORDS)}] || ' ' || {forms}[1 + s.g % {len(FORMS)}]",
            "fingerprint": "''",
        },
    )
    return time.perf_counter() - started


def _best(run: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def _seq_scans(user: Any, text: str, plans: dict[str, str]) -> dict[str, list[str]]:
    """The big tables the planner reads whole for each kind of the search (their plans into `plans`)."""
    query = search_query(text)
    found: dict[str, list[str]] = {}
    for kind in KINDS:
        plan = kind.find(user, query)[:11].explain()
        tables = [t for t in VOLUME if re.search(rf"Seq Scan on {t}\b", plan)]
        if tables:
            found[kind.key] = tables
            plans[f"{text} / {kind.key}"] = plan
    return found


def test_search_at_volume(output_path: str) -> None:
    roles_sync()
    entities = [
        LegalEntityFactory(code=code, base_currency=currency)
        for code, currency in (("DE01", "EUR"), ("GB01", "GBP"), ("US01", "USD"))
    ]
    user = UserFactory(username="bench-treasury")
    for entity in entities[:2]:
        user_grant_role(user=user, role=Role.TREASURY_ANALYST, entity=entity, granted_by=None)
    supplier = CounterpartyFactory(name="Lausitz-Werkzeugbau GmbH", entities=[entities[0]])
    ours = OwnBankAccountFactory(entity=entities[0])
    statement = BankStatementFactory(entity=entities[0], bank_account=ours)
    templates = {
        "supplier": supplier,
        "theirs": CounterpartyBankAccountFactory(counterparty=supplier, iban="DE89370400440532013000", bic=""),
        "invoice": InvoiceFactory(entity=entities[0], counterparty=supplier, amount="1234.50"),
        "payment": PaymentFactory(entity=entities[0], counterparty=supplier),
        "batch": PaymentBatchFactory(entity=entities[0], debtor_account=ours),
        "order": purchase_order_make(entities[0], supplier, "4500000000"),
        "statement": statement,
        "line": StatementLineFactory(statement=statement, amount="48120.00"),
    }
    _drop_search_indexes()
    generated = _generate(entities, templates)
    indexed = _create_search_indexes()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def invoices_page() -> object:
        return list(invoice_list(user=user).order_by("-issue_on", "-pk")[:25]), invoice_list(user=user).count()

    list_page = _best(invoices_page)
    one_invoice = templates["invoice"].pk
    baseline = _best(lambda: invoice_list(user=user).filter(pk=one_invoice).first())
    rows = []
    plans: dict[str, str] = {}
    for label, text in SEARCHES:
        query = search_query(text)
        seconds = _best(lambda q=query: search(user=user, query=q))
        hits = sum(len(group.hits) for group in search(user=user, query=query))
        scans = _seq_scans(user, text, plans)
        rows.append({"search": label, "typed": text, "seconds": seconds, "hits": hits, "seq_scans": scans})
    _drop_search_indexes()
    for row in rows:
        query = search_query(row["typed"])
        started = time.perf_counter()
        search(user=user, query=query)
        row["without_indexes"] = time.perf_counter() - started

    machine = {
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
        "postgres": connection.cursor().connection.info.server_version,
        "at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "volume": VOLUME,
        "generate_s": round(generated, 1),
        "index_build_s": round(indexed, 1),
        "baseline_s": baseline,
        "invoice_list_page_s": list_page,
    }
    lines = [
        f"baseline (one invoice read through the entity-scoped selector): {baseline * 1000:.1f} ms; "
        f"the Invoices page's first 25 rows and their count: {list_page * 1000:.0f} ms; "
        f"generated in {generated:.0f} s, search indexes built in {indexed:.0f} s",
        "",
        "| search | typed | found | search ms | ratio to baseline | without search indexes ms | big table read whole |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        scans = "; ".join(f"{k}: {', '.join(v)}" for k, v in row["seq_scans"].items()) or "none"
        lines.append(
            f"| {row['search']} | `{row['typed']}` | {row['hits']} | {row['seconds'] * 1000:.1f} | "
            f"{row['seconds'] / baseline:.1f}x | {row['without_indexes'] * 1000:.0f} | {scans} |"
        )
    print("\n" + json.dumps(machine) + "\n" + "\n".join(lines))
    out = Path(output_path).parent / "bench-search.json" if output_path else REPO / "test-results" / "bench-search.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "rows": rows, "plans": plans}, indent=2, default=str))

    assert all(not row["seq_scans"] for row in rows), [r for r in rows if r["seq_scans"]]
    assert statistics.median(r["seconds"] for r in rows) < statistics.median(r["without_indexes"] for r in rows)
