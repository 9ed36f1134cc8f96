"""The demo seed: a small manufacturing group (Nordlicht Components) with three companies, their
banks, suppliers and customers, 90 days of purchasing and billing, ten business days of bank
statements, payment batches in flight and an exception queue for every role.

Everything is built from one random.Random(2026), relative to today's date, inside one
transaction. Idempotent: when the demo entities exist, demo_seed() changes nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from finops.accounts.models import User
from finops.accounts.roles import Role
from finops.accounts.services import roles_sync, user_grant_role
from finops.audit.context import correlation
from finops.audit.services import audit_record
from finops.core.workflow import transition
from finops.demo.names import (
    BANK_CURRENCY,
    BANKS,
    CUSTOMER_COUNTRIES,
    DIRECT_DEBITS,
    EMAIL_DOMAIN,
    GROUP_NAME,
    NAME_PATTERNS,
    PRICE_LEVEL,
    PURCHASE_ITEMS,
    SALES_ITEMS,
    SERVICE_ITEMS,
    SUPPLIER_COUNTRIES,
    Bank,
    CatalogItem,
)
from finops.invoicing.models import Invoice, InvoiceLine
from finops.invoicing.states import InvoiceDirection, InvoiceState
from finops.masterdata.models import BankAccount, Counterparty, LegalEntity
from finops.payables.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Payment,
    PaymentAllocation,
    PaymentBatch,
    PurchaseOrder,
    PurchaseOrderLine,
)
from finops.payables.services import batch_approve, batch_submit
from finops.payables.states import BatchState, PaymentState
from finops.receivables.models import Remittance, RemittanceLine
from finops.treasury.models import BankStatement, CreditDebit, StatementLine, StatementLineState
from integrations.models import Connector, ConnectorKind
from reconciliation.models import ExceptionItem
from reconciliation.services import exception_open, exception_start
from reconciliation.states import ExceptionKind

SOURCE = "demo"
RANDOM_SEED = 2026
CENT = Decimal("0.01")
STATEMENT_DAYS = 10
HISTORY_DAYS = 90
PAYMENT_TERMS = dt.timedelta(days=30)
SUPPLIER_COUNT = 225
CUSTOMER_COUNT = 325
PURCHASE_ORDERS_PER_ENTITY = 160
SERVICE_INVOICES_PER_ENTITY = 24
SALES_INVOICES_PER_ENTITY = 300
PRICE_MISMATCHES_PER_ENTITY = 4
QUANTITY_MISMATCHES_PER_ENTITY = 3
DUPLICATES_PER_ENTITY = 2
# Any constant: serialises two seeds started at once, so the second one sees the first's data.
ADVISORY_LOCK_KEY = 7_402_026
# The one statement whose closing balance is off (a fee the bank booked but left out of the file).
BREAK_ACCOUNT = "HB-GB01-BARC"
BREAK_DAY_INDEX = 3
BREAK_AMOUNT = Decimal("18.40")

S = InvoiceState


class DemoSeedConflict(Exception):
    """The database holds non-demo data that the demo would collide with."""


# --- what the demo is made of --------------------------------------------------------------


@dataclass(frozen=True)
class EntitySpec:
    code: str
    name: str
    country: str
    currency: str
    dual_approval_threshold: Decimal
    vat_rate: Decimal


ENTITIES: tuple[EntitySpec, ...] = (
    EntitySpec("DE01", f"{GROUP_NAME} GmbH", "DE", "EUR", Decimal("50000.00"), Decimal("0.19")),
    EntitySpec("GB01", f"{GROUP_NAME} Ltd", "GB", "GBP", Decimal("40000.00"), Decimal("0.20")),
    EntitySpec("US01", f"{GROUP_NAME} Inc.", "US", "USD", Decimal("60000.00"), Decimal("0.00")),
)
ENTITY_INDEX = {e.code: n for n, e in enumerate(ENTITIES, start=1)}
PRIMARY_ENTITY_OF_COUNTRY = {"DE": "DE01", "FR": "DE01", "NL": "DE01", "GB": "GB01", "US": "US01"}


@dataclass(frozen=True)
class OwnAccountSpec:
    external_id: str
    entity: str
    purpose: str  # "operating" pays suppliers and payroll; "collections" receives customer cash
    country: str
    bank_code: str
    opening_balance: Decimal


OWN_ACCOUNTS: tuple[OwnAccountSpec, ...] = (
    OwnAccountSpec("HB-DE01-COBA", "DE01", "operating", "DE", "37040044", Decimal("1864250.00")),
    OwnAccountSpec("HB-DE01-DEUT", "DE01", "collections", "DE", "50070010", Decimal("742918.35")),
    OwnAccountSpec("HB-GB01-NWBK", "GB01", "operating", "GB", "NWBK601613", Decimal("1215480.00")),
    OwnAccountSpec("HB-GB01-BARC", "GB01", "collections", "GB", "BARC200000", Decimal("468302.17")),
    OwnAccountSpec("HB-US01-CHAS", "US01", "operating", "US", "021000021", Decimal("2036775.00")),
    OwnAccountSpec("HB-US01-BOFA", "US01", "collections", "US", "026009593", Decimal("811460.52")),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: Role
    entities: tuple[str, ...]
    is_staff: bool = False

    @property
    def password(self) -> str:
        # Documented demo credentials, printed by the command; never a production secret.
        return f"{self.username}-demo-2026"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("clerk", "Anna", "Becker", Role.AP_CLERK, ("DE01", "GB01")),
    DemoUser("treasury", "James", "Whitmore", Role.TREASURY_ANALYST, ("DE01", "GB01", "US01")),
    DemoUser("controller", "Katrin", "Vogel", Role.CONTROLLER, ("DE01", "GB01")),
    DemoUser("controller2", "Daniel", "Okafor", Role.CONTROLLER, ("DE01", "GB01", "US01")),
    DemoUser("admin", "Lena", "Hoffmann", Role.ADMIN, ("DE01", "GB01", "US01"), is_staff=True),
    DemoUser("auditor", "Priya", "Raman", Role.AUDITOR, ("DE01", "GB01", "US01")),
    DemoUser("clerk_us", "Tyler", "Brooks", Role.AP_CLERK, ("US01",)),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    entities: str
    password: str


DEMO_LOGINS: tuple[DemoLogin, ...] = tuple(
    DemoLogin(u.username, u.role.label, ", ".join(u.entities), u.password) for u in DEMO_USERS
)


@dataclass(frozen=True)
class SeedResult:
    created: bool
    counts: dict[str, int]
    logins: tuple[DemoLogin, ...]


# --- entry point ---------------------------------------------------------------------------


def demo_is_present() -> bool:
    return LegalEntity.objects.filter(code=ENTITIES[0].code, source=SOURCE).exists()


@transaction.atomic
def demo_seed(*, today: dt.date | None = None) -> SeedResult:
    """Build the whole demo in one transaction. Idempotent: if the demo entities exist,
    nothing is written and SeedResult.created is False."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
    if demo_is_present():
        return SeedResult(created=False, counts={}, logins=DEMO_LOGINS)
    _refuse_conflicts()
    with correlation():
        counts = _seed_everything(random.Random(RANDOM_SEED), today or timezone.now().date())
    return SeedResult(created=True, counts=counts, logins=DEMO_LOGINS)


def _refuse_conflicts() -> None:
    codes = [e.code for e in ENTITIES]
    taken = list(LegalEntity.objects.filter(code__in=codes).values_list("code", flat=True))
    users = list(User.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list("username", flat=True))
    if taken or users:
        raise DemoSeedConflict(
            "The demo needs a database without its entity codes and usernames; found "
            + ", ".join([*(f"entity {c}" for c in taken), *(f"user {u}" for u in users)])
            + ". Use an empty database for the demo."
        )


def _seed_everything(rng: random.Random, today: dt.date) -> dict[str, int]:
    window = business_days_before(today, STATEMENT_DAYS)
    roles_sync()
    entities = entities_create()
    own = own_accounts_create(rng, entities)
    parties = counterparties_create(counterparty_specs(rng), entities)
    users = users_create(entities)
    purchasing = purchasing_create(rng, entities, parties, today, window)
    sales = sales_create(rng, entities, parties, today, window)
    statements = statements_create(rng, entities, own, parties, purchasing.invoices, sales, window)
    batches = batches_create(entities, own, parties, users, purchasing.invoices, today)
    connectors = connectors_create(entities, own)
    remittances = remittances_create(rng, entities, parties, sales, today)
    findings = [
        *purchasing.findings,
        *statements.findings,
        *batches.findings,
        *remittances.findings,
        *connectors.findings,
        *master_data_findings(rng, entities, parties),
    ]
    exceptions = [exception_open(**f.as_kwargs())[0] for f in findings]
    exceptions_start_some(exceptions, users)
    return {
        "legal entities": len(entities),
        "own bank accounts": len(own),
        "suppliers": sum(1 for c in parties.all if c.is_supplier),
        "customers": sum(1 for c in parties.all if c.is_customer),
        "counterparty bank accounts": len(parties.account_of),
        "purchase orders": purchasing.order_count,
        "goods receipts": purchasing.receipt_count,
        "AP invoices": len(purchasing.invoices),
        "AR invoices": len(sales),
        "bank statements": len(statements.statements),
        "statement lines": statements.line_count,
        "payment batches": len(batches.batches),
        "payments": batches.payment_count,
        "remittances": len(remittances.remittances),
        "exceptions": len(exceptions),
        "connectors": len(connectors.connectors),
        "users": len(users),
    }


# --- small helpers -------------------------------------------------------------------------


def business_days_before(today: dt.date, count: int) -> list[dt.date]:
    """The `count` business days before today, oldest first (today's statement is not out yet)."""
    days: list[dt.date] = []
    day = today
    while len(days) < count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sorted(days)


def next_business_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _chance(rng: random.Random, percent: int) -> bool:
    return rng.randrange(100) < percent


def _money(rng: random.Random, low: str | Decimal, high: str | Decimal) -> Decimal:
    low_cents, high_cents = int(Decimal(low) * 100), int(Decimal(high) * 100)
    return Decimal(rng.randint(low_cents, high_cents)).scaleb(-2)


def _price(rng: random.Random, item: CatalogItem, currency: str) -> Decimal:
    return (_money(rng, item.price_low, item.price_high) * Decimal(PRICE_LEVEL[currency])).quantize(CENT)


def _digits(rng: random.Random, count: int) -> str:
    return str(rng.randint(1, 9)) + "".join(str(rng.randrange(10)) for _ in range(count - 1))


def _moment(day: dt.date, rng: random.Random, *, hour: int = 8) -> dt.datetime:
    """A time on `day` for created_at, never in the future."""
    moment = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=dt.UTC)
    return min(moment, timezone.now())


def _month_name(day: dt.date) -> str:
    return f"{calendar.month_name[day.month]} {day.year}"


def _account_display(account: BankAccount) -> str:
    return account.iban or f"{account.routing_number} {account.account_number}"


# --- tax ids (check digits included, so a validator accepts them) ---------------------------


def de_vat_id(rng: random.Random) -> str:
    body = _digits(rng, 8)
    product = 10
    for digit in body:  # ISO 7064 MOD 11,10
        total = (int(digit) + product) % 10 or 10
        product = (2 * total) % 11
    check = (11 - product) % 10
    return f"DE{body}{check}"


def gb_vat_id(rng: random.Random) -> str:
    body = _digits(rng, 7)
    total = sum(int(d) * w for d, w in zip(body, range(8, 1, -1), strict=True))
    return f"GB{body}{(-total) % 97:02d}"


def fr_vat_id(rng: random.Random) -> str:
    body = _digits(rng, 8)
    luhn = sum(int(d) if i % 2 == 0 else sum(divmod(int(d) * 2, 10)) for i, d in enumerate(reversed(body + "0")))
    siren = body + str((10 - luhn % 10) % 10)
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def nl_vat_id(rng: random.Random) -> str:
    while True:
        body = _digits(rng, 8)
        check = sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return f"NL{body}{check}B01"


US_EIN_PREFIXES = ("20", "26", "27", "30", "35", "36", "38", "45", "46", "47", "81", "82", "84", "85", "87", "88")


def us_ein(rng: random.Random) -> str:
    return f"{rng.choice(US_EIN_PREFIXES)}-{_digits(rng, 7)}"


TAX_ID_OF_COUNTRY = {"DE": de_vat_id, "GB": gb_vat_id, "FR": fr_vat_id, "NL": nl_vat_id, "US": us_ein}


# --- bank identifiers ----------------------------------------------------------------------


@dataclass(frozen=True)
class BankDetails:
    bank_name: str
    currency: str
    iban: str = ""
    bic: str = ""
    routing_number: str = ""
    account_number: str = ""


def bank_details(rng: random.Random, bank: Bank) -> BankDetails:
    """A valid account at `bank`: IBAN with national check digits (schwifty) or ABA + account."""
    currency = BANK_CURRENCY[bank.country]
    if bank.country == "US":
        return BankDetails(
            bank.name,
            currency,
            bic=bank.us_bic,
            routing_number=bank.bank_code,
            account_number=_digits(rng, bank.account_digits),
        )
    # Random account numbers often fail a German bank's own check-digit method: draw until one passes.
    for _ in range(5000):
        account = "".join(str(rng.randrange(10)) for _ in range(bank.account_digits))
        try:
            iban = IBAN.generate(
                bank.country, bank_code=bank.bank_code, branch_code=bank.branch_code, account_code=account
            )
            IBAN(str(iban), validate_bban=True)
        except SchwiftyException:
            continue
        return BankDetails(bank.name, currency, iban=str(iban), bic=str(iban.bic))
    raise RuntimeError(f"No valid account number found for bank code {bank.bank_code}")  # pragma: no cover


def _bank(country: str, bank_code: str) -> Bank:
    return next(b for b in BANKS[country] if b.bank_code == bank_code)


# --- entities and our own accounts ---------------------------------------------------------


def entities_create() -> dict[str, LegalEntity]:
    rows = LegalEntity.objects.bulk_create(
        [
            LegalEntity(
                source=SOURCE,
                external_id=e.code,
                code=e.code,
                name=e.name,
                country=e.country,
                base_currency=e.currency,
                dual_approval_threshold=e.dual_approval_threshold,
            )
            for e in ENTITIES
        ]
    )
    return {e.code: e for e in rows}


def own_accounts_create(rng: random.Random, entities: dict[str, LegalEntity]) -> dict[str, BankAccount]:
    accounts = []
    for spec in OWN_ACCOUNTS:
        bank = _bank(spec.country, spec.bank_code)
        details = bank_details(rng, bank)
        accounts.append(
            BankAccount(
                source=SOURCE,
                external_id=spec.external_id,
                entity=entities[spec.entity],
                name=f"{bank.name} {spec.purpose} {details.currency}",
                bank_name=bank.name,
                currency=details.currency,
                iban=details.iban,
                bic=details.bic,
                routing_number=details.routing_number,
                account_number=details.account_number,
            )
        )
    return {a.external_id: a for a in BankAccount.objects.bulk_create(accounts)}


def _own_account(own: dict[str, BankAccount], entity: str, purpose: str) -> BankAccount:
    spec = next(s for s in OWN_ACCOUNTS if s.entity == entity and s.purpose == purpose)
    return own[spec.external_id]


# --- counterparties ------------------------------------------------------------------------


@dataclass(frozen=True)
class CounterpartySpec:
    external_id: str
    name: str
    country: str
    tax_id: str
    is_supplier: bool
    entities: tuple[str, ...]
    bank: BankDetails


def company_name(rng: random.Random, country: str, *, supplier: bool) -> str:
    pattern = NAME_PATTERNS[country]
    surname, surname2 = rng.sample(pattern.surnames, 2)
    return rng.choice(pattern.templates).format(
        surname=surname,
        surname2=surname2,
        place=rng.choice(pattern.places),
        trade=rng.choice(pattern.supplier_trades if supplier else pattern.customer_trades),
        form=rng.choice(pattern.legal_forms),
    )


def counterparty_specs(rng: random.Random) -> list[CounterpartySpec]:
    """Suppliers and customers with unique names, tax ids and bank details. Pure: same rng, same list."""
    specs: list[CounterpartySpec] = []
    names: set[str] = set()
    plan = [
        (True, SUPPLIER_COUNT, SUPPLIER_COUNTRIES, "V", 100001),
        (False, CUSTOMER_COUNT, CUSTOMER_COUNTRIES, "C", 200001),
    ]
    for is_supplier, count, countries, prefix, first_number in plan:
        for number in range(first_number, first_number + count):
            country = rng.choices([c for c, _ in countries], weights=[w for _, w in countries])[0]
            name = company_name(rng, country, supplier=is_supplier)
            while name in names:
                name = company_name(rng, country, supplier=is_supplier)
            names.add(name)
            primary = PRIMARY_ENTITY_OF_COUNTRY[country]
            entities: tuple[str, ...] = (primary,)
            if _chance(rng, 25):
                entities += (rng.choice([e.code for e in ENTITIES if e.code != primary]),)
            specs.append(
                CounterpartySpec(
                    external_id=f"{prefix}-{number}",
                    name=name,
                    country=country,
                    tax_id=TAX_ID_OF_COUNTRY[country](rng),
                    is_supplier=is_supplier,
                    entities=entities,
                    bank=bank_details(rng, rng.choice(BANKS[country])),
                )
            )
    return specs


@dataclass
class Parties:
    all: list[Counterparty]
    suppliers: dict[str, list[Counterparty]]  # by entity code
    customers: dict[str, list[Counterparty]]
    account_of: dict[int, BankAccount]  # counterparty pk -> its bank account


def counterparties_create(specs: Sequence[CounterpartySpec], entities: dict[str, LegalEntity]) -> Parties:
    rows = Counterparty.objects.bulk_create(
        [
            Counterparty(
                source=SOURCE,
                external_id=s.external_id,
                name=s.name,
                country=s.country,
                tax_id=s.tax_id,
                is_supplier=s.is_supplier,
                is_customer=not s.is_supplier,
            )
            for s in specs
        ]
    )
    through = Counterparty.entities.through
    through.objects.bulk_create(
        [
            through(counterparty_id=row.pk, legalentity_id=entities[code].pk)
            for row, spec in zip(rows, specs, strict=True)
            for code in spec.entities
        ]
    )
    accounts = BankAccount.objects.bulk_create(
        [
            BankAccount(
                source=SOURCE,
                external_id=f"{s.external_id}-BA1",
                counterparty=row,
                name=f"{s.name} – {s.bank.bank_name}",
                bank_name=s.bank.bank_name,
                currency=s.bank.currency,
                iban=s.bank.iban,
                bic=s.bank.bic,
                routing_number=s.bank.routing_number,
                account_number=s.bank.account_number,
            )
            for row, s in zip(rows, specs, strict=True)
        ]
    )
    parties = Parties(
        all=rows,
        suppliers=defaultdict(list),
        customers=defaultdict(list),
        account_of={a.counterparty_id: a for a in accounts if a.counterparty_id},
    )
    for row, spec in zip(rows, specs, strict=True):
        for code in spec.entities:
            (parties.suppliers if spec.is_supplier else parties.customers)[code].append(row)
    return parties


# --- users ---------------------------------------------------------------------------------


def users_create(entities: dict[str, LegalEntity]) -> dict[str, User]:
    users = []
    for spec in DEMO_USERS:
        user = User(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@{EMAIL_DOMAIN}",
            is_staff=spec.is_staff,
        )
        user.set_password(spec.password)
        users.append(user)
    by_name = {u.username: u for u in User.objects.bulk_create(users)}
    admin = by_name["admin"]
    for spec in DEMO_USERS:
        granted_by = None if spec.username == "admin" else admin
        for code in spec.entities:
            user_grant_role(user=by_name[spec.username], role=spec.role, entity=entities[code], granted_by=granted_by)
    return by_name


# --- invoices (shared by purchasing and sales) ---------------------------------------------


DraftLine = tuple[str, Decimal, Decimal, PurchaseOrderLine | None]  # description, quantity, unit price, PO line


@dataclass(eq=False)
class InvoiceDraft:
    """An invoice being planned; built into Invoice + InvoiceLine rows once its state is known."""

    spec: EntitySpec
    entity: LegalEntity
    counterparty: Counterparty
    direction: str
    issue_on: dt.date
    lines: list[DraftLine]
    external_id: str
    state: str = ""
    number: str = ""
    purchase_order: PurchaseOrder | None = None
    received_value: Decimal = Decimal(0)
    mismatch: str = ""  # "price" | "quantity": a 3-way difference
    duplicate_of: InvoiceDraft | None = None
    paid_percent: int = 0  # for partially paid
    cash_on: dt.date | None = None  # day the bank booked its payment or receipt
    cash_amount: Decimal = Decimal(0)
    cash_matched: bool = False
    invoice: Invoice | None = None

    @property
    def net(self) -> Decimal:
        return sum(((q * p).quantize(CENT) for _, q, p, _ in self.lines), Decimal(0))

    @property
    def tax(self) -> Decimal:
        domestic = self.counterparty.country == self.spec.country  # cross-border: reverse charge / export
        return (self.net * self.spec.vat_rate).quantize(CENT) if domestic else Decimal("0.00")

    @property
    def amount(self) -> Decimal:
        return self.net + self.tax

    @property
    def open_amount(self) -> Decimal:
        if self.state in (S.PAID, S.RECONCILED):
            return Decimal("0.00")
        if self.state == S.PARTIALLY_PAID:
            return self.amount - (self.amount * self.paid_percent / 100).quantize(CENT)
        return self.amount


def invoices_save(drafts: Sequence[InvoiceDraft], rng: random.Random) -> list[Invoice]:
    for d in drafts:
        d.invoice = Invoice(
            source=SOURCE,
            external_id=d.external_id,
            entity=d.entity,
            counterparty=d.counterparty,
            direction=d.direction,
            number=d.number,
            currency=d.spec.currency,
            amount=d.amount,
            tax_amount=d.tax,
            open_amount=d.open_amount,
            issue_on=d.issue_on,
            due_on=d.issue_on + PAYMENT_TERMS,
            purchase_order=d.purchase_order,
            state=d.state,
            created_at=_moment(d.issue_on + dt.timedelta(days=6 if d.duplicate_of else 1), rng),
        )
        d.invoice.updated_at = d.invoice.created_at
    invoices = Invoice.objects.bulk_create([d.invoice for d in drafts if d.invoice])
    InvoiceLine.objects.bulk_create(
        [
            InvoiceLine(
                invoice=d.invoice,
                line_no=n,
                description=text,
                quantity=qty,
                unit_price=price,
                amount=(qty * price).quantize(CENT),
                po_line=po_line,
            )
            for d in drafts
            for n, (text, qty, price, po_line) in enumerate(d.lines, start=1)
        ]
    )
    return invoices


# --- purchasing: orders, receipts, supplier invoices ---------------------------------------


@dataclass(eq=False)
class OrderPlan:
    order: PurchaseOrder
    lines: list[PurchaseOrderLine]
    receipts: list[tuple[dt.date, list[Decimal]]] = field(default_factory=list)

    @property
    def received(self) -> list[Decimal]:
        return [sum((r[1][i] for r in self.receipts), Decimal(0)) for i in range(len(self.lines))]

    @property
    def is_fully_received(self) -> bool:
        return all(got >= line.quantity for got, line in zip(self.received, self.lines, strict=True))


@dataclass(frozen=True)
class Finding:
    """An exception to open once everything it points at is saved."""

    entity: LegalEntity
    kind: str
    title: str
    dedupe_key: str
    detail: dict[str, Any]
    obj: Any
    amount: Decimal | None = None
    currency: str = ""

    def as_kwargs(self) -> dict[str, Any]:
        # Decimals and dates go into the JSON detail as exact strings, never floats.
        detail = json.loads(json.dumps(self.detail, cls=DjangoJSONEncoder))
        return {
            "entity": self.entity,
            "kind": self.kind,
            "title": self.title,
            "dedupe_key": self.dedupe_key,
            "detail": detail,
            "amount": self.amount,
            "currency": self.currency,
            "obj": self.obj,
        }


@dataclass
class Purchasing:
    invoices: list[InvoiceDraft]
    order_count: int
    receipt_count: int
    findings: list[Finding]


def purchasing_create(
    rng: random.Random, entities: dict[str, LegalEntity], parties: Parties, today: dt.date, window: list[dt.date]
) -> Purchasing:
    plans: list[OrderPlan] = []
    drafts: list[InvoiceDraft] = []
    for spec in ENTITIES:
        entity_plans = orders_plan(rng, spec, entities[spec.code], parties.suppliers[spec.code], today)
        entity_drafts = supplier_invoices_plan(rng, spec, entity_plans, today, window)
        entity_drafts += service_invoices_plan(
            rng,
            spec,
            entities[spec.code],
            parties.suppliers[spec.code],
            today,
            window,
            first_seq=len(entity_drafts) + 1,
        )
        mismatches_apply(rng, entity_drafts, entity_plans, today)
        for draft in entity_drafts:
            _paid_in_window(draft, window)
        supplier_numbers_assign(rng, entity_drafts)
        entity_drafts += duplicates_plan(rng, entity_drafts, today)
        plans += entity_plans
        drafts += entity_drafts
    paid_orders = {id(d.purchase_order) for d in drafts if d.state == S.PAID and d.duplicate_of is None}
    for plan in plans:
        plan.order.is_closed = plan.is_fully_received and id(plan.order) in paid_orders
    receipt_count = orders_save(rng, plans)
    invoices_save(drafts, rng)
    return Purchasing(drafts, len(plans), receipt_count, purchasing_findings(drafts))


def orders_plan(
    rng: random.Random, spec: EntitySpec, entity: LegalEntity, suppliers: list[Counterparty], today: dt.date
) -> list[OrderPlan]:
    dates = sorted(today - dt.timedelta(days=rng.randint(2, HISTORY_DAYS)) for _ in range(PURCHASE_ORDERS_PER_ENTITY))
    # SAP-style PO numbers, one range per company, clear of the sandbox ERP's 45000 1xxxx range
    base = 4500200000 + 10000 * ENTITY_INDEX[spec.code]
    plans = []
    for n, ordered_on in enumerate(dates, start=1):
        number = str(base + n)
        order = PurchaseOrder(
            source=SOURCE,
            external_id=f"PO-{spec.code}-{number}",
            entity=entity,
            supplier=rng.choice(suppliers),
            number=number,
            currency=spec.currency,
            ordered_on=ordered_on,
            created_at=_moment(ordered_on, rng),
        )
        order.updated_at = order.created_at
        items = rng.sample(PURCHASE_ITEMS, rng.choice((1, 1, 2, 2, 3, 4)))
        lines = [
            PurchaseOrderLine(
                purchase_order=order,
                line_no=i,
                item=item.description,
                quantity=Decimal(rng.randint(item.qty_low, item.qty_high)),
                unit_price=_price(rng, item, spec.currency),
            )
            for i, item in enumerate(items, start=1)
        ]
        plan = OrderPlan(order, lines)
        receipts_plan(rng, plan, today)
        plans.append(plan)
    return plans


def receipts_plan(rng: random.Random, plan: OrderPlan, today: dt.date) -> None:
    """Most orders arrive in full (some in two deliveries), some only in part, recent ones not yet."""
    ordered_on = plan.order.ordered_on
    age = (today - ordered_on).days
    roll = rng.randrange(100)
    if age < 6 or (age < 15 and roll < 40):
        return
    first_on = min(ordered_on + dt.timedelta(days=rng.randint(3, 12)), today - dt.timedelta(days=1))
    quantities = [line.quantity for line in plan.lines]
    if roll < 78:
        if _chance(rng, 30) and min(quantities) >= 4:
            first = [(q * rng.randint(40, 70) / 100).to_integral_value(ROUND_DOWN) for q in quantities]
            second_on = min(first_on + dt.timedelta(days=rng.randint(2, 8)), today - dt.timedelta(days=1))
            plan.receipts = [(first_on, first), (second_on, [q - f for q, f in zip(quantities, first, strict=True)])]
        else:
            plan.receipts = [(first_on, quantities)]
        return
    partial = [max(Decimal(1), (q * rng.randint(30, 80) / 100).to_integral_value(ROUND_DOWN)) for q in quantities]
    if len(partial) > 1:
        partial[rng.randrange(len(partial))] = Decimal(0)  # one line still on back order
    plan.receipts = [(first_on, partial)]


def orders_save(rng: random.Random, plans: list[OrderPlan]) -> int:
    PurchaseOrder.objects.bulk_create([p.order for p in plans])
    PurchaseOrderLine.objects.bulk_create([line for p in plans for line in p.lines])
    receipts: list[GoodsReceipt] = []
    receipt_lines: list[GoodsReceiptLine] = []
    numbers: dict[str, int] = defaultdict(int)
    for plan in plans:
        entity = plan.order.entity
        for received_on, quantities in plan.receipts:
            numbers[entity.code] += 1
            material_doc = 5000000000 + 100000 * ENTITY_INDEX[entity.code] + numbers[entity.code]
            receipt = GoodsReceipt(
                source=SOURCE,
                external_id=f"GR-{entity.code}-{material_doc}",
                entity=entity,
                purchase_order=plan.order,
                received_on=received_on,
                created_at=_moment(received_on, rng, hour=14),
            )
            receipt.updated_at = receipt.created_at
            receipts.append(receipt)
            receipt_lines += [
                GoodsReceiptLine(receipt=receipt, po_line=line, quantity=q)
                for line, q in zip(plan.lines, quantities, strict=True)
                if q > 0
            ]
    GoodsReceipt.objects.bulk_create(receipts)
    GoodsReceiptLine.objects.bulk_create(receipt_lines)
    return len(receipts)


def ap_state(rng: random.Random, issue_on: dt.date, today: dt.date, window: list[dt.date]) -> str:
    """Where a clean supplier invoice stands: old ones paid, recent ones still being matched."""
    due_on = issue_on + PAYMENT_TERMS
    if due_on < window[0]:
        return S.PAID if _chance(rng, 85) else S.APPROVED
    if due_on <= window[-1]:
        return S.PAID if _chance(rng, 60) else S.APPROVED
    age = (today - issue_on).days
    if age > 14:
        return S.APPROVED if _chance(rng, 70) else S.MATCHED
    if age > 4:
        return S.MATCHED if _chance(rng, 60) else S.RECEIVED
    return S.RECEIVED


def _paid_in_window(draft: InvoiceDraft, window: list[dt.date]) -> None:
    """We pay on the last business day before the due date; only days with a statement matter."""
    due_on = draft.issue_on + PAYMENT_TERMS
    if draft.state == S.PAID and window[0] <= due_on:
        draft.cash_on = max(d for d in window if d <= due_on)
        draft.cash_amount = draft.amount


def supplier_invoices_plan(
    rng: random.Random, spec: EntitySpec, plans: list[OrderPlan], today: dt.date, window: list[dt.date]
) -> list[InvoiceDraft]:
    drafts: list[InvoiceDraft] = []
    for plan in plans:
        if not plan.receipts:
            continue
        last_received_on = max(on for on, _ in plan.receipts)
        issue_on = min(last_received_on + dt.timedelta(days=rng.randint(0, 6)), today)
        lines: list[DraftLine] = [
            (line.item, got, line.unit_price, line)
            for line, got in zip(plan.lines, plan.received, strict=True)
            if got > 0
        ]
        draft = InvoiceDraft(
            spec=spec,
            entity=plan.order.entity,
            counterparty=plan.order.supplier,
            direction=InvoiceDirection.AP,
            issue_on=issue_on,
            lines=lines,
            external_id=f"AP-{spec.code}-{len(drafts) + 1:06d}",
            purchase_order=plan.order,
        )
        draft.received_value = draft.net
        draft.state = ap_state(rng, issue_on, today, window)
        drafts.append(draft)
    return drafts


def service_invoices_plan(
    rng: random.Random,
    spec: EntitySpec,
    entity: LegalEntity,
    suppliers: list[Counterparty],
    today: dt.date,
    window: list[dt.date],
    *,
    first_seq: int,
) -> list[InvoiceDraft]:
    """Monthly services billed without a purchase order (energy, cleaning, IT)."""
    drafts = []
    for n in range(SERVICE_INVOICES_PER_ENTITY):
        issue_on = today - dt.timedelta(days=rng.randint(0, HISTORY_DAYS - 1))
        item = rng.choice(SERVICE_ITEMS)
        service_month = issue_on.replace(day=1) - dt.timedelta(days=1)
        text = item.description.format(month=_month_name(service_month))
        draft = InvoiceDraft(
            spec=spec,
            entity=entity,
            counterparty=rng.choice(suppliers),
            direction=InvoiceDirection.AP,
            issue_on=issue_on,
            lines=[(text, Decimal(1), _price(rng, item, spec.currency), None)],
            external_id=f"AP-{spec.code}-{first_seq + n:06d}",
        )
        state = ap_state(rng, issue_on, today, window)
        draft.state = S.APPROVED if state == S.MATCHED else state  # nothing to match without an order
        drafts.append(draft)
    return drafts


def mismatches_apply(rng: random.Random, drafts: list[InvoiceDraft], plans: list[OrderPlan], today: dt.date) -> None:
    """Some suppliers charge more than the order price, some bill more than was delivered. Only
    recent invoices: an old mismatch would long since have been settled."""
    recent = [d for d in drafts if d.purchase_order is not None and (today - d.issue_on).days <= 35]
    partial_orders = {id(p.order) for p in plans if p.receipts and not p.is_fully_received}
    price = rng.sample(recent, PRICE_MISMATCHES_PER_ENTITY)
    rest = [d for d in recent if d not in price]
    partial = [d for d in rest if id(d.purchase_order) in partial_orders]
    quantity = rng.sample(partial or rest, min(QUANTITY_MISMATCHES_PER_ENTITY, len(partial or rest)))
    for draft in price:
        i = rng.randrange(len(draft.lines))
        text, qty, unit_price, po_line = draft.lines[i]
        raised = max((unit_price * (100 + rng.randint(3, 9)) / 100).quantize(CENT), unit_price + CENT)
        draft.lines[i] = (text, qty, raised, po_line)
        draft.mismatch, draft.state = "price", S.EXCEPTION
    lines_of = {id(p.order): p.lines for p in plans}
    for draft in quantity:
        assert draft.purchase_order is not None
        ordered = lines_of[id(draft.purchase_order)]
        if id(draft.purchase_order) in partial_orders:  # billed the whole order, only part delivered
            draft.lines = [(line.item, line.quantity, line.unit_price, line) for line in ordered]
        else:
            text, qty, unit_price, po_line = draft.lines[0]
            draft.lines[0] = (
                text,
                qty + max(Decimal(1), (qty / 20).to_integral_value(ROUND_DOWN)),
                unit_price,
                po_line,
            )
        draft.mismatch, draft.state = "quantity", S.EXCEPTION


SUPPLIER_NUMBER_STYLES = {
    "DE": ("RE-{year}-{n:05d}", "{year}{n:06d}"),
    "GB": ("INV-{n:06d}", "SI{n:05d}"),
    "US": ("{n:06d}", "INV-{n}"),
    "FR": ("FA{year}-{n:05d}",),
    "NL": ("F{year}-{n:04d}",),
}


def supplier_numbers_assign(rng: random.Random, drafts: list[InvoiceDraft]) -> None:
    """Each supplier numbers its invoices its own way, rising with the date."""
    state: dict[int, tuple[str, int]] = {}
    for draft in sorted(drafts, key=lambda d: (d.issue_on, d.external_id)):
        supplier = draft.counterparty
        if supplier.pk not in state:
            state[supplier.pk] = (rng.choice(SUPPLIER_NUMBER_STYLES[supplier.country]), rng.randint(1200, 48000))
        style, n = state[supplier.pk]
        n += rng.randint(1, 40)  # the supplier billed other customers in between
        state[supplier.pk] = (style, n)
        draft.number = style.format(year=draft.issue_on.year, n=n)


def duplicates_plan(rng: random.Random, drafts: list[InvoiceDraft], today: dt.date) -> list[InvoiceDraft]:
    """The same supplier invoice arriving twice (post and e-mail), once already paid or approved."""
    candidates = [
        d
        for d in drafts
        if d.purchase_order is not None
        and not d.mismatch
        and d.state in (S.PAID, S.APPROVED, S.MATCHED)
        and (today - d.issue_on).days <= 45
    ]
    duplicates = []
    for n, original in enumerate(rng.sample(candidates, DUPLICATES_PER_ENTITY), start=1):
        code = original.spec.code
        duplicates.append(
            InvoiceDraft(
                spec=original.spec,
                entity=original.entity,
                counterparty=original.counterparty,
                direction=InvoiceDirection.AP,
                issue_on=original.issue_on,
                lines=list(original.lines),
                external_id=f"AP-{code}-{len(drafts) + n:06d}",
                state=S.EXCEPTION,
                number=original.number,
                purchase_order=original.purchase_order,
                received_value=original.received_value,
                duplicate_of=original,
            )
        )
    return duplicates


def _invoice_key(draft: InvoiceDraft) -> str:
    return f"invoicing.Invoice:{SOURCE}:{draft.external_id}"


def purchasing_findings(drafts: list[InvoiceDraft]) -> list[Finding]:
    findings = []
    for d in drafts:
        if d.mismatch and d.purchase_order is not None:
            difference = d.net - d.received_value
            cause = "Price above PO" if d.mismatch == "price" else "Invoiced more than received on PO"
            findings.append(
                Finding(
                    entity=d.entity,
                    kind=ExceptionKind.THREE_WAY_MISMATCH,
                    title=f"{cause} {d.purchase_order.number}: invoice {d.number} from {d.counterparty.name}",
                    dedupe_key=f"{ExceptionKind.THREE_WAY_MISMATCH}:{_invoice_key(d)}",
                    detail={
                        "cause": d.mismatch,
                        "purchase_order": d.purchase_order.number,
                        "invoice": d.number,
                        "supplier": d.counterparty.name,
                        "invoiced_net": d.net,
                        "received_value": d.received_value,
                        "difference": difference,
                    },
                    obj=d.invoice,
                    amount=difference,
                    currency=d.spec.currency,
                )
            )
        if d.duplicate_of is not None:
            original = d.duplicate_of
            findings.append(
                Finding(
                    entity=d.entity,
                    kind=ExceptionKind.DUPLICATE_INVOICE,
                    title=f"Possible duplicate: invoice {d.number} from {d.counterparty.name} "
                    f"(already received as {original.external_id}, {original.state})",
                    dedupe_key=f"{ExceptionKind.DUPLICATE_INVOICE}:{_invoice_key(d)}",
                    detail={
                        "invoice": d.number,
                        "supplier": d.counterparty.name,
                        "amount": d.amount,
                        "original_external_id": original.external_id,
                        "original_invoice_id": original.invoice.pk if original.invoice else None,
                        "original_state": original.state,
                    },
                    obj=d.invoice,
                    amount=d.amount,
                    currency=d.spec.currency,
                )
            )
    return findings


# --- sales: customer invoices --------------------------------------------------------------

SALES_NUMBER_PREFIX = {"DE01": "RE", "GB01": "SI", "US01": "INV"}


def sales_create(
    rng: random.Random, entities: dict[str, LegalEntity], parties: Parties, today: dt.date, window: list[dt.date]
) -> list[InvoiceDraft]:
    drafts = []
    for n, spec in enumerate(ENTITIES, start=1):
        dates = sorted(
            today - dt.timedelta(days=rng.randint(0, HISTORY_DAYS - 1)) for _ in range(SALES_INVOICES_PER_ENTITY)
        )
        for seq, issue_on in enumerate(dates, start=1):
            items = rng.sample(SALES_ITEMS, rng.choice((1, 1, 2, 3)))
            draft = InvoiceDraft(
                spec=spec,
                entity=entities[spec.code],
                counterparty=rng.choice(parties.customers[spec.code]),
                direction=InvoiceDirection.AR,
                issue_on=issue_on,
                lines=[
                    (i.description, Decimal(rng.randint(i.qty_low, i.qty_high)), _price(rng, i, spec.currency), None)
                    for i in items
                ],
                external_id=f"AR-{spec.code}-{seq:06d}",
                number=f"{SALES_NUMBER_PREFIX[spec.code]}-{issue_on:%y}-{n}{seq:04d}",
            )
            ar_fate_decide(rng, draft, window)
            drafts.append(draft)
    invoices_save(drafts, rng)
    return drafts


def ar_fate_decide(rng: random.Random, draft: InvoiceDraft, window: list[dt.date]) -> None:
    """Old invoices are mostly paid. Receipts booked in the statement window are matched where cash
    application already ran (invoice paid) and unmatched where it has not (invoice still issued),
    including late payers of overdue invoices."""
    due_on = draft.issue_on + PAYMENT_TERMS
    roll = rng.randrange(100)
    if due_on < window[0] - dt.timedelta(days=21) or (due_on < window[0] and roll >= 30):
        roll = rng.randrange(100)
        draft.state = S.PAID if roll < 85 else S.PARTIALLY_PAID if roll < 90 else S.ISSUED
    elif due_on < window[0]:
        draft.state, draft.cash_on = S.ISSUED, rng.choice(window)
    elif due_on <= window[-1]:
        draft.state = S.PAID if roll < 25 else S.PARTIALLY_PAID if roll < 30 else S.ISSUED
        if roll < 90:
            late = due_on + dt.timedelta(days=rng.randint(0, 3))
            draft.cash_on = min([d for d in window if d >= late] or [window[-1]])
    else:
        draft.state = S.ISSUED if roll < 92 else S.PARTIALLY_PAID
    if draft.state == S.PARTIALLY_PAID:
        draft.paid_percent = rng.randint(30, 70)
    if draft.cash_on is not None:
        draft.cash_matched = draft.state != S.ISSUED
        draft.cash_amount = draft.amount - draft.open_amount if draft.state == S.PARTIALLY_PAID else draft.amount
        if draft.state == S.ISSUED and _chance(rng, 10):
            draft.cash_amount -= Decimal("7.50")  # paid net of the payer's bank charges


# --- bank statements -----------------------------------------------------------------------


@dataclass(eq=False)
class CashEvent:
    """One booking the bank will report on a statement line."""

    account: str  # own account external id
    day: dt.date
    is_credit: bool
    amount: Decimal
    code: str  # bank transaction code, camt Domain/Family/SubFamily
    description: str
    end_to_end_id: str = ""
    counterparty_name: str = ""
    counterparty_account: str = ""
    is_matched: bool = False
    flag: str = ""  # "unapplied" | "unbooked": the line becomes an exception
    counterparty: Counterparty | None = None
    line: StatementLine | None = None


@dataclass
class Statements:
    statements: list[BankStatement]
    line_count: int
    findings: list[Finding]


def _receipt_text(country: str, draft: InvoiceDraft) -> str:
    name = draft.counterparty.name
    return {
        "DE": f"SEPA-Gutschrift {name} Rechnung {draft.number}",
        "GB": f"FASTER PAYMENT RECEIVED {name.upper()} REF {draft.number}",
        "US": f"ACH CREDIT {name.upper()} CCD REMIT {draft.number}",
    }[country]


def _payment_text(country: str, draft: InvoiceDraft) -> str:
    name = draft.counterparty.name
    return {
        "DE": f"SEPA-Überweisung {name} Re. {draft.number}",
        "GB": f"FASTER PAYMENT {name.upper()} INV {draft.number}",
        "US": f"ACH PMT {name.upper()} INV {draft.number}",
    }[country]


CODES = {
    "DE": {"receipt": "PMNT/RCDT/ESCT", "payment": "PMNT/ICDT/ESCT", "debit": "PMNT/RDDT/ESDD"},
    "GB": {"receipt": "PMNT/RCDT/DMCT", "payment": "PMNT/ICDT/DMCT", "debit": "PMNT/RDDT/PMDD"},
    "US": {"receipt": "PMNT/RCDT/ACDT", "payment": "PMNT/ICDT/ACDT", "debit": "PMNT/RDDT/ADBT"},
}
FEE_CODE, PAYROLL_CODE, SWEEP_CODE = "ACMT/MDOP/CHRG", "PMNT/ICDT/SALA", "CAMT/ACCB/SWEP"
FEES = {
    "DE": ("Entgelt Zahlungsverkehr", ("4.90", "7.35", "12.50", "23.80")),
    "GB": ("SERVICE CHARGES", ("4.25", "8.50", "15.00")),
    "US": ("WIRE TRANSFER FEE", ("15.00", "25.00", "35.00")),
}
PAYROLL = {
    "DE": ("SEPA-Sammelüberweisung Lohn/Gehalt {month}", "362000", "398000"),
    "GB": ("BACS PAYROLL {month}", "214000", "236000"),
    "US": ("ADP PAYROLL NET PAY {month}", "288000", "315000"),
}
UNAPPLIED = {
    "DE": "SEPA-Gutschrift {name} Zahlung lt. Avis",
    "GB": "BACS CREDIT {name} PAYMENT ON ACCOUNT",
    "US": "ACH CREDIT {name} CCD PAYMENT",
}
UNAPPLIED_PER_ENTITY = {"DE01": 2, "GB01": 1, "US01": 1}


def statements_create(
    rng: random.Random,
    entities: dict[str, LegalEntity],
    own: dict[str, BankAccount],
    parties: Parties,
    purchases: list[InvoiceDraft],
    sales: list[InvoiceDraft],
    window: list[dt.date],
) -> Statements:
    events = [
        *customer_receipt_events(rng, sales, own, parties),
        *supplier_payment_events(rng, purchases, own, parties),
        *unapplied_cash_events(rng, own, parties, window),
        *direct_debit_events(rng, own, window),
        *payroll_events(rng, own, window),
        *fee_events(rng, own, window),
    ]
    by_account_day: dict[tuple[str, dt.date], list[CashEvent]] = defaultdict(list)
    for event in events:
        by_account_day[(event.account, event.day)].append(event)
    statements, lines, findings = statements_build(rng, entities, own, by_account_day, window)
    BankStatement.objects.bulk_create(statements)
    StatementLine.objects.bulk_create(lines)
    findings += statement_line_findings(events)
    return Statements(statements, len(lines), findings)


def customer_receipt_events(
    rng: random.Random, sales: list[InvoiceDraft], own: dict[str, BankAccount], parties: Parties
) -> list[CashEvent]:
    events = []
    for d in sales:
        if d.cash_on is None:
            continue
        purpose = "collections" if _chance(rng, 80) else "operating"
        e2e = d.number if _chance(rng, 50) else ("NOTPROVIDED" if d.spec.country == "DE" else "")
        events.append(
            CashEvent(
                account=_own_account(own, d.spec.code, purpose).external_id,
                day=d.cash_on,
                is_credit=True,
                amount=d.cash_amount,
                code=CODES[d.spec.country]["receipt"],
                description=_receipt_text(d.spec.country, d),
                end_to_end_id=e2e,
                counterparty_name=d.counterparty.name,
                counterparty_account=_account_display(parties.account_of[d.counterparty.pk]),
                is_matched=d.cash_matched,
            )
        )
    return events


def supplier_payment_events(
    rng: random.Random, purchases: list[InvoiceDraft], own: dict[str, BankAccount], parties: Parties
) -> list[CashEvent]:
    return [
        CashEvent(
            account=_own_account(own, d.spec.code, "operating").external_id,
            day=d.cash_on,
            is_credit=False,
            amount=d.cash_amount,
            code=CODES[d.spec.country]["payment"],
            description=_payment_text(d.spec.country, d),
            end_to_end_id=f"NLC-{d.external_id}",
            counterparty_name=d.counterparty.name,
            counterparty_account=_account_display(parties.account_of[d.counterparty.pk]),
            is_matched=_chance(rng, 25),
        )
        for d in purchases
        if d.cash_on is not None
    ]


def unapplied_cash_events(
    rng: random.Random, own: dict[str, BankAccount], parties: Parties, window: list[dt.date]
) -> list[CashEvent]:
    """Customer money without any invoice reference: someone has to find out what it pays."""
    events = []
    for spec in ENTITIES:
        for _ in range(UNAPPLIED_PER_ENTITY[spec.code]):
            customer = rng.choice(parties.customers[spec.code])
            name = customer.name if spec.country == "DE" else customer.name.upper()
            events.append(
                CashEvent(
                    account=_own_account(own, spec.code, "collections").external_id,
                    day=rng.choice(window[:-1]),
                    is_credit=True,
                    amount=_money(rng, "1800", "24000"),
                    code=CODES[spec.country]["receipt"],
                    description=UNAPPLIED[spec.country].format(name=name),
                    counterparty=customer,
                    end_to_end_id="NOTPROVIDED" if spec.country == "DE" else "",
                    counterparty_name=customer.name,
                    counterparty_account=_account_display(parties.account_of[customer.pk]),
                    flag="unapplied",
                )
            )
    return events


def direct_debit_events(rng: random.Random, own: dict[str, BankAccount], window: list[dt.date]) -> list[CashEvent]:
    """Utilities and insurers collect by direct debit; the first one per company has no booking yet."""
    events = []
    for spec in ENTITIES:
        for n, (payee, text, low, high) in enumerate(rng.sample(DIRECT_DEBITS[spec.country], 2)):
            day = rng.choice(window[:-2])
            events.append(
                CashEvent(
                    account=_own_account(own, spec.code, "operating").external_id,
                    day=day,
                    is_credit=False,
                    amount=_money(rng, low, high),
                    code=CODES[spec.country]["debit"],
                    description=text.format(month=_month_name(day)),
                    counterparty_name=payee,
                    flag="unbooked" if n == 0 and spec.code != "US01" else "",
                )
            )
    return events


def payroll_events(rng: random.Random, own: dict[str, BankAccount], window: list[dt.date]) -> list[CashEvent]:
    events = []
    for spec in ENTITIES:
        text, low, high = PAYROLL[spec.country]
        day = window[-3]
        events.append(
            CashEvent(
                account=_own_account(own, spec.code, "operating").external_id,
                day=day,
                is_credit=False,
                amount=_money(rng, low, high),
                code=PAYROLL_CODE,
                description=text.format(month=_month_name(day)),
                counterparty_name=f"{spec.name} payroll",
            )
        )
    return events


def fee_events(rng: random.Random, own: dict[str, BankAccount], window: list[dt.date]) -> list[CashEvent]:
    events = []
    for spec in OWN_ACCOUNTS:
        text, amounts = FEES[spec.country]
        events += [
            CashEvent(
                account=spec.external_id,
                day=day,
                is_credit=False,
                amount=Decimal(rng.choice(amounts)),
                code=FEE_CODE,
                description=text,
                counterparty_name=own[spec.external_id].bank_name,
            )
            for day in window
            if _chance(rng, 40)
        ]
    return events


def statements_build(
    rng: random.Random,
    entities: dict[str, LegalEntity],
    own: dict[str, BankAccount],
    by_account_day: dict[tuple[str, dt.date], list[CashEvent]],
    window: list[dt.date],
) -> tuple[list[BankStatement], list[StatementLine], list[Finding]]:
    """Day by day: sweep surplus cash from collections to operating, then write each account's
    statement, its opening balance being the previous closing."""
    balance = {s.external_id: s.opening_balance for s in OWN_ACCOUNTS}
    statements: list[BankStatement] = []
    lines: list[StatementLine] = []
    findings: list[Finding] = []
    for index, day in enumerate(window):
        for spec in ENTITIES:
            sweep_events(own, by_account_day, spec, day, balance, is_sweep_day=index % 3 == 2)
        for account_spec in OWN_ACCOUNTS:
            events = by_account_day.get((account_spec.external_id, day), [])
            rng.shuffle(events)
            account = own[account_spec.external_id]
            statement = statement_write(account, entities[account_spec.entity], day, balance, events, index)
            if account_spec.external_id == BREAK_ACCOUNT and index == BREAK_DAY_INDEX:
                findings.append(balance_break(statement))
            statements.append(statement)
            lines += [e.line for e in events if e.line is not None]
    return statements, lines, findings


def sweep_events(
    own: dict[str, BankAccount],
    by_account_day: dict[tuple[str, dt.date], list[CashEvent]],
    spec: EntitySpec,
    day: dt.date,
    balance: dict[str, Decimal],
    *,
    is_sweep_day: bool,
) -> None:
    if not is_sweep_day:
        return
    collections, operating = _own_account(own, spec.code, "collections"), _own_account(own, spec.code, "operating")
    day_events = by_account_day[(collections.external_id, day)]
    expected = balance[collections.external_id] + sum(
        (e.amount if e.is_credit else -e.amount for e in day_events), Decimal(0)
    )
    amount = (expected * Decimal("0.7") / 10000).to_integral_value(ROUND_DOWN) * 10000  # 30 % stays as a buffer
    if amount <= 0:
        return
    to_text, from_text = (
        ("Cash Pooling Übertrag auf", "Cash Pooling Übertrag von")
        if spec.country == "DE"
        else ("SWEEP TO", "SWEEP FROM")
    )
    reference = f"SWEEP-{spec.code}-{day:%Y%m%d}"
    day_events.append(
        CashEvent(
            account=collections.external_id,
            day=day,
            is_credit=False,
            amount=amount,
            code=SWEEP_CODE,
            description=f"{to_text} {_account_display(operating)}",
            end_to_end_id=reference,
            counterparty_name=operating.name,
            counterparty_account=_account_display(operating),
            is_matched=True,
        )
    )
    by_account_day[(operating.external_id, day)].append(
        CashEvent(
            account=operating.external_id,
            day=day,
            is_credit=True,
            amount=amount,
            code=SWEEP_CODE,
            description=f"{from_text} {_account_display(collections)}",
            end_to_end_id=reference,
            counterparty_name=collections.name,
            counterparty_account=_account_display(collections),
            is_matched=True,
        )
    )


def statement_write(
    account: BankAccount,
    entity: LegalEntity,
    day: dt.date,
    balance: dict[str, Decimal],
    events: list[CashEvent],
    index: int,
) -> BankStatement:
    credits = sum((e.amount for e in events if e.is_credit), Decimal(0))
    debits = sum((e.amount for e in events if not e.is_credit), Decimal(0))
    opening = balance[account.external_id]
    closing = opening + credits - debits
    if account.external_id == BREAK_ACCOUNT and index == BREAK_DAY_INDEX:
        closing -= BREAK_AMOUNT  # the bank booked a charge but left its entry out of the file
    balance[account.external_id] = closing
    identifier = account.iban or account.account_number
    statement = BankStatement(
        source=SOURCE,
        external_id=f"STMT-{identifier}-{day:%Y%m%d}",
        entity=entity,
        bank_account=account,
        format="camt.053",
        sequence=f"{day:%Y}/{day.timetuple().tm_yday:03d}",
        statement_on=day,
        currency=account.currency,
        opening_balance=opening,
        closing_balance=closing,
        entry_count=len(events),
        total_credits=credits,
        total_debits=debits,
        created_at=dt.datetime.combine(next_business_day(day), dt.time(5, 40), tzinfo=dt.UTC),
    )
    statement.created_at = min(statement.created_at, timezone.now())
    statement.updated_at = statement.created_at
    bank_prefix = (account.bic or "BANK")[:4]
    for n, event in enumerate(events, start=1):
        event.line = StatementLine(
            statement=statement,
            line_no=n,
            amount=event.amount,
            currency=account.currency,
            credit_debit=CreditDebit.CREDIT if event.is_credit else CreditDebit.DEBIT,
            booking_on=day,
            value_on=day,
            account_servicer_ref=f"{bank_prefix}{day:%y%m%d}{index:02d}{n:04d}",
            end_to_end_id=event.end_to_end_id,
            bank_transaction_code=event.code,
            counterparty_name=event.counterparty_name,
            counterparty_account=event.counterparty_account,
            description=event.description,
            state=StatementLineState.MATCHED if event.is_matched else StatementLineState.UNMATCHED,
        )
    return statement


def balance_break(statement: BankStatement) -> Finding:
    assert statement.opening_balance is not None
    assert statement.closing_balance is not None
    expected = statement.opening_balance + statement.total_credits - statement.total_debits
    difference = expected - statement.closing_balance
    return Finding(
        entity=statement.entity,
        kind=ExceptionKind.BALANCE_MISMATCH,
        title=f"Statement {statement.external_id} does not balance: closing is {difference} "
        f"{statement.currency} below opening + entries",
        dedupe_key=f"{ExceptionKind.BALANCE_MISMATCH}:treasury.BankStatement:{SOURCE}:{statement.external_id}",
        detail={
            "statement": statement.external_id,
            "statement_on": statement.statement_on,
            "opening_balance": statement.opening_balance,
            "total_credits": statement.total_credits,
            "total_debits": statement.total_debits,
            "expected_closing": expected,
            "closing_balance": statement.closing_balance,
            "difference": difference,
        },
        obj=statement,
        amount=difference,
        currency=statement.currency,
    )


def statement_line_findings(events: list[CashEvent]) -> list[Finding]:
    findings = []
    for e in events:
        if not e.flag or e.line is None:
            continue
        statement = e.line.statement
        key = f"treasury.StatementLine:{SOURCE}:{statement.external_id}:{e.line.line_no}"
        money = f"{e.amount:,} {statement.currency}"
        if e.flag == "unapplied":
            kind = ExceptionKind.UNAPPLIED_CASH
            title = f"Receipt of {money} from {e.counterparty_name} names no invoice"
        else:
            kind = ExceptionKind.BANK_RECONCILIATION
            title = f"Debit of {money} to {e.counterparty_name} has no booking"
        findings.append(
            Finding(
                entity=statement.entity,
                kind=kind,
                title=title,
                dedupe_key=f"{kind}:{key}",
                detail={
                    "statement": statement.external_id,
                    "line_no": e.line.line_no,
                    "booking_on": e.day,
                    "description": e.description,
                    "counterparty": e.counterparty_name,
                },
                obj=e.line,
                amount=e.amount,
                currency=statement.currency,
            )
        )
    return findings


# --- payment batches (through the real services) -------------------------------------------


@dataclass
class Batches:
    batches: list[PaymentBatch]
    payment_count: int
    findings: list[Finding]


def batches_create(
    entities: dict[str, LegalEntity],
    own: dict[str, BankAccount],
    parties: Parties,
    users: dict[str, User],
    purchases: list[InvoiceDraft],
    today: dt.date,
) -> Batches:
    """Six batches in the states a controller meets on a normal morning."""
    pools = {spec.code: approved_payable(spec, purchases, parties) for spec in ENTITIES}
    clerk, clerk_us, controller = users["clerk"], users["clerk_us"], users["controller"]
    execution_on = next_business_day(today)

    def make(code: str, n: int, maker: User, invoices: list[InvoiceDraft], on: dt.date = execution_on) -> PaymentBatch:
        return batch_build(
            entities[code],
            _own_account(own, code, "operating"),
            maker,
            invoices,
            parties,
            external_id=f"PR-{code}-{today:%Y%m%d}-{n}",
            execution_on=on,
        )

    threshold = {spec.code: spec.dual_approval_threshold for spec in ENTITIES}
    # pain.002 rejections come back when the bank validates the file, before the execution date
    today_or_next = today if today.weekday() < 5 else next_business_day(today)
    rejected = make("DE01", 1, clerk, _take(pools["DE01"], 4, below=threshold["DE01"]), today_or_next)
    batch_through_bank(rejected, maker=clerk, approver=controller)
    approved = make("DE01", 2, clerk, _take(pools["DE01"], 5, below=threshold["DE01"]))
    batch_submit(batch_id=approved.pk, user=clerk)
    batch_approve(batch_id=approved.pk, approver=controller, comment="Checked against the due list.")
    large = make("DE01", 3, clerk, _take_until(pools["DE01"], ENTITIES[0].dual_approval_threshold))
    batch_submit(batch_id=large.pk, user=clerk)
    batch_approve(batch_id=large.pk, approver=controller, comment="Fine from my side; needs a second approver.")
    pending_gb = make("GB01", 1, clerk, _take(pools["GB01"], 5, below=threshold["GB01"]))
    batch_submit(batch_id=pending_gb.pk, user=clerk)
    draft_gb = make("GB01", 2, clerk, _take(pools["GB01"], 3))
    pending_us = make("US01", 1, clerk_us, _take(pools["US01"], 4, below=threshold["US01"]))
    batch_submit(batch_id=pending_us.pk, user=clerk_us)
    batches = [rejected, approved, large, pending_gb, draft_gb, pending_us]
    for batch in batches:
        batch.refresh_from_db()
    payments = Payment.objects.filter(batch__in=batches)
    return Batches(batches, payments.count(), rejected_payment_findings(payments))


def approved_payable(spec: EntitySpec, purchases: list[InvoiceDraft], parties: Parties) -> list[InvoiceDraft]:
    """Approved invoices we can pay from the entity's account: the supplier banks in our currency."""
    return sorted(
        (
            d
            for d in purchases
            if d.spec is spec
            and d.state == S.APPROVED
            and parties.account_of[d.counterparty.pk].currency == spec.currency
        ),
        key=lambda d: (d.issue_on, d.external_id),
    )


def _take(pool: list[InvoiceDraft], count: int, *, below: Decimal | None = None) -> list[InvoiceDraft]:
    """The `count` longest-waiting invoices; with `below`, only those small enough that the batch
    stays under it (one approver suffices)."""
    cap = below / count if below is not None else None
    taken = [d for d in pool if cap is None or d.amount < cap][:count]
    if len(taken) < count:
        raise RuntimeError(f"Only {len(taken)} approved invoices fit a demo batch of {count}")
    pool[:] = [d for d in pool if d not in taken]
    return taken


def _take_until(pool: list[InvoiceDraft], total: Decimal) -> list[InvoiceDraft]:
    """Large invoices, each under a third of `total`, until the batch reaches it (two approvers)."""
    taken: list[InvoiceDraft] = []
    fitting = [d for d in pool if d.amount < total / 3]
    for draft in sorted(fitting, key=lambda d: (-d.amount, d.external_id)):
        if sum((d.amount for d in taken), Decimal(0)) >= total:
            break
        taken.append(draft)
    if sum((d.amount for d in taken), Decimal(0)) < total:
        raise RuntimeError(f"Approved invoices do not reach {total} for the demo's large batch")
    pool[:] = [d for d in pool if d not in taken]
    return taken


def batch_build(
    entity: LegalEntity,
    account: BankAccount,
    maker: User,
    drafts: list[InvoiceDraft],
    parties: Parties,
    *,
    external_id: str,
    execution_on: dt.date,
) -> PaymentBatch:
    """One payment per supplier, allocated to its invoices, which move to proposed."""
    by_supplier: dict[int, list[InvoiceDraft]] = defaultdict(list)
    for d in drafts:
        by_supplier[d.counterparty.pk].append(d)
    total = sum((d.amount for d in drafts), Decimal(0))
    batch = PaymentBatch.objects.create(
        source=SOURCE,
        external_id=external_id,
        entity=entity,
        debtor_account=account,
        currency=entity.base_currency,
        execution_on=execution_on,
        created_by=maker,
        control_sum=total,
        payment_count=len(by_supplier),
    )
    payments = []
    for n, group in enumerate(by_supplier.values(), start=1):
        reference = f"{external_id}-{n:03d}"
        payments.append(
            Payment(
                source=SOURCE,
                external_id=reference,
                entity=entity,
                batch=batch,
                counterparty=group[0].counterparty,
                beneficiary_account=parties.account_of[group[0].counterparty.pk],
                end_to_end_id=reference,
                amount=sum((d.amount for d in group), Decimal(0)),
                currency=entity.base_currency,
                remittance_info=("Inv " + ", ".join(d.number for d in group))[:140],
            )
        )
    Payment.objects.bulk_create(payments)
    PaymentAllocation.objects.bulk_create(
        [
            PaymentAllocation(payment=payment, invoice=d.invoice, amount=d.amount)
            for payment, group in zip(payments, by_supplier.values(), strict=True)
            for d in group
        ]
    )
    audit_record(batch, action="batch.created", actor=maker, after={"control_sum": total, "payments": len(payments)})
    for d in drafts:
        transition(d.invoice, to=S.PROPOSED, actor=maker, extra={"batch": external_id})
        d.state = S.PROPOSED
    return batch


def batch_through_bank(batch: PaymentBatch, *, maker: User, approver: User) -> None:
    """This morning's run: approved, released, sent, and the bank's pain.002 rejected one payment
    (closed account), which sends its invoices back to approved."""
    batch_submit(batch_id=batch.pk, user=maker)
    batch_approve(batch_id=batch.pk, approver=approver, comment="Released for today's execution.")
    batch.refresh_from_db()
    transition(batch, to=BatchState.RELEASED, actor=approver, stamp="released_at")
    payments = list(batch.payments.order_by("end_to_end_id"))
    for payment in payments:
        transition(payment, to=PaymentState.RELEASED, actor=approver, stamp="released_at")
    transition(batch, to=BatchState.TRANSMITTED, actor=None, stamp="transmitted_at", reason="pain.001 sent")
    refused = payments[-1]
    for payment in payments:
        transition(
            payment,
            to=PaymentState.ACCEPTED if payment is not refused else PaymentState.REJECTED,
            actor=None,
            reason="pain.002" if payment is not refused else "pain.002: AC04 Closed account number",
        )
    Payment.objects.filter(pk=refused.pk).update(status_reason="AC04 Closed account number")
    for allocation in refused.allocations.select_related("invoice"):
        transition(allocation.invoice, to=S.APPROVED, actor=None, reason=f"Payment {refused.end_to_end_id} rejected")
    transition(
        batch,
        to=BatchState.PARTLY_REJECTED,
        actor=None,
        stamp="acknowledged_at",
        reason=f"pain.002: 1 of {len(payments)} payments rejected",
    )


def rejected_payment_findings(payments: Any) -> list[Finding]:
    findings = []
    for p in payments.filter(state=PaymentState.REJECTED).select_related("entity", "counterparty", "batch"):
        findings.append(
            Finding(
                entity=p.entity,
                kind=ExceptionKind.REJECTED_PAYMENT,
                title=f"Bank rejected payment {p.end_to_end_id} to {p.counterparty.name}: AC04 closed account",
                dedupe_key=f"{ExceptionKind.REJECTED_PAYMENT}:payables.Payment:{SOURCE}:{p.external_id}",
                detail={
                    "batch": p.batch.external_id,
                    "end_to_end_id": p.end_to_end_id,
                    "reason_code": "AC04",
                    "reason": "Closed account number",
                },
                obj=p,
                amount=p.amount,
                currency=p.currency,
            )
        )
    return findings


# --- connectors and sync runs --------------------------------------------------------------


@dataclass
class Connectors:
    connectors: list[Connector]
    findings: list[Finding]


CONNECTORS = (
    ("SAP S/4HANA – DE01", ConnectorKind.ERP_REST, "DE01"),
    ("SAP S/4HANA – GB01", ConnectorKind.ERP_REST, "GB01"),
    ("NetSuite – US01", ConnectorKind.ERP_REST, "US01"),
    ("Coupa procurement", ConnectorKind.PROCUREMENT_REST, "DE01"),
    ("Salesforce CRM", ConnectorKind.CRM_REST, "GB01"),
    ("Stripe billing webhooks", ConnectorKind.BILLING_WEBHOOK, "US01"),
    ("Commerzbank EBICS statements", ConnectorKind.BANK_FILE, "DE01"),
    ("NatWest Bankline files", ConnectorKind.BANK_FILE, "GB01"),
    ("J.P. Morgan Access API", ConnectorKind.BANK_API, "US01"),
)
# Banks that deliver one account's statements each: by API (which account to pull), or as files
# on their SFTP server (a folder per bank named by its BIC, a camt.053 per day named after the
# account, as the sandbox bank lays them out: integrations/sandbox/API.md).
BANK_API_CONNECTORS = (("Deutsche Bank API – DE01", "HB-DE01-DEUT"),)
BANK_SFTP_CONNECTORS = (
    ("Commerzbank SFTP statements – DE01", "HB-DE01-COBA"),
    ("NatWest SFTP statements – GB01", "HB-GB01-NWBK"),
)


def connectors_create(entities: dict[str, LegalEntity], own: dict[str, BankAccount]) -> Connectors:
    """The group's connectors, not yet pointed anywhere: `make demo` connects the pulling ones to
    the bundled sandbox (manage.py sandbox_connect), and their first real runs follow within a
    minute. No run history is made up here: every SyncRun on screen is one that happened."""
    rows = [Connector(name=name, kind=kind, entity=entities[code]) for name, kind, code in CONNECTORS]
    for name, account_id in BANK_API_CONNECTORS:
        account = own[account_id]
        rows.append(
            Connector(
                name=name, kind=ConnectorKind.BANK_API, entity=account.entity, mapping={"accounts": [account.iban]}
            )
        )
    for name, account_id in BANK_SFTP_CONNECTORS:
        account = own[account_id]
        mapping = {"remote_folder": f"/{account.bic[:8]}", "filename_pattern": f"camt053_{account.iban}_*.xml"}
        rows.append(Connector(name=name, kind=ConnectorKind.BANK_SFTP, entity=account.entity, mapping=mapping))
    return Connectors(Connector.objects.bulk_create(rows), findings=[])


# --- remittance advices nobody can match ---------------------------------------------------


@dataclass
class Remittances:
    remittances: list[Remittance]
    findings: list[Finding]


def remittances_create(
    rng: random.Random, entities: dict[str, LegalEntity], parties: Parties, sales: list[InvoiceDraft], today: dt.date
) -> Remittances:
    """One advice per company announcing a payment that has not arrived, for an open invoice and
    one number we never issued."""
    remittances, lines, findings = [], [], []
    for n, spec in enumerate(ENTITIES, start=1):
        open_invoice = rng.choice([d for d in sales if d.spec is spec and d.state == S.ISSUED and d.cash_on is None])
        unknown_number = f"{SALES_NUMBER_PREFIX[spec.code]}-{today:%y}-{n}9{rng.randint(100, 999)}"
        unknown_amount = _money(rng, "800", "6000")
        received_on = today - dt.timedelta(days=rng.randint(1, 4))
        remittance = Remittance(
            source=SOURCE,
            external_id=f"RA-{spec.code}-{n:04d}",
            entity=entities[spec.code],
            counterparty=open_invoice.counterparty,
            payer_reference=f"AVIS-{today:%Y}-{rng.randint(1000, 9999)}",
            amount=open_invoice.amount + unknown_amount,
            currency=spec.currency,
            received_on=received_on,
        )
        remittances.append(remittance)
        payer = open_invoice.counterparty.name
        lines += [
            RemittanceLine(
                remittance=remittance,
                line_no=1,
                invoice_reference=open_invoice.number,
                amount=open_invoice.amount,
                invoice=open_invoice.invoice,
            ),
            RemittanceLine(remittance=remittance, line_no=2, invoice_reference=unknown_number, amount=unknown_amount),
        ]
        findings.append(
            Finding(
                entity=remittance.entity,
                kind=ExceptionKind.UNMATCHED_REMITTANCE,
                title=f"Advice {remittance.payer_reference} from {payer}: no receipt; {unknown_number} unknown",
                dedupe_key=f"{ExceptionKind.UNMATCHED_REMITTANCE}:receivables.Remittance:{SOURCE}:{remittance.external_id}",
                detail={
                    "payer_reference": remittance.payer_reference,
                    "invoices": [open_invoice.number, unknown_number],
                    "unknown_references": [unknown_number],
                },
                obj=remittance,
                amount=remittance.amount,
                currency=spec.currency,
            )
        )
    Remittance.objects.bulk_create(remittances)
    RemittanceLine.objects.bulk_create(lines)
    return Remittances(remittances, findings)


# --- master-data conflicts -----------------------------------------------------------------


def master_data_findings(rng: random.Random, entities: dict[str, LegalEntity], parties: Parties) -> list[Finding]:
    """ERP and procurement disagree about a supplier: tax id in one company, bank details in two."""
    findings = []
    for n, spec in enumerate(ENTITIES):
        supplier = parties.suppliers[spec.code][rng.randrange(len(parties.suppliers[spec.code]))]
        if n == 0:
            field_name, other = "tax_id", TAX_ID_OF_COUNTRY[supplier.country](rng)
            ours = supplier.tax_id
        else:
            field_name = "bank_account"
            ours = _account_display(parties.account_of[supplier.pk])
            other = _account_display_of(bank_details(rng, rng.choice(BANKS[supplier.country])))
        findings.append(
            Finding(
                entity=entities[spec.code],
                kind=ExceptionKind.MASTER_DATA_CONFLICT,
                title=f"{supplier.name}: {field_name.replace('_', ' ')} differs between ERP and Coupa",
                dedupe_key=f"{ExceptionKind.MASTER_DATA_CONFLICT}:masterdata.Counterparty:{SOURCE}:"
                f"{supplier.external_id}:{field_name}",
                detail={"field": field_name, "erp": ours, "procurement": other, "supplier": supplier.name},
                obj=supplier,
            )
        )
    return findings


def _account_display_of(details: BankDetails) -> str:
    return details.iban or f"{details.routing_number} {details.account_number}"


# --- work already under way ----------------------------------------------------------------


def exceptions_start_some(items: list[ExceptionItem], users: dict[str, User]) -> None:
    """A few items are being worked on, so queues show owners and the in-progress state."""
    wanted = [
        ("clerk", "DE01", ExceptionKind.THREE_WAY_MISMATCH, 2),
        ("clerk", "GB01", ExceptionKind.DUPLICATE_INVOICE, 1),
        ("clerk_us", "US01", ExceptionKind.THREE_WAY_MISMATCH, 1),
        ("treasury", "DE01", ExceptionKind.UNAPPLIED_CASH, 1),
        ("admin", "DE01", ExceptionKind.SYNC_FAILURE, 1),
    ]
    for username, code, kind, count in wanted:
        matching = [i for i in items if i.entity.code == code and i.kind == kind][:count]
        for item in matching:
            exception_start(item_id=item.pk, actor=users[username])
