"""Synthetic bank files of any size for the import benchmark: a camt.053.001.02 and an MT940.

Written line by line to a file, so generating 100,000 entries takes little memory. Amounts are
deterministic (from the entry number), every entry has its own references, and the closing
balance is opening + credits − debits, so the statements reconcile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

BENCH_IBAN = "DE89370400440532013000"
BENCH_ACCOUNT = "37040044/0532013000"
OPENING = Decimal("1000000.00")
_DAY = dt.date(2026, 11, 20)


def _amount(number: int) -> Decimal:
    return Decimal(1 + (number * 7919) % 250_000) / 100


def _is_credit(number: int) -> bool:
    return number % 3 != 0


def _closing(first: int, count: int, opening: Decimal) -> Decimal:
    total = opening
    for number in range(first, first + count):
        total += _amount(number) if _is_credit(number) else -_amount(number)
    return total


def _camt_entry(number: int) -> str:
    direction = "CRDT" if _is_credit(number) else "DBIT"
    party, agent = ("Dbtr", "DbtrAgt") if direction == "CRDT" else ("Cdtr", "CdtrAgt")
    return f"""<Ntry>
<Amt Ccy="EUR">{_amount(number)}</Amt><CdtDbtInd>{direction}</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>{_DAY}</Dt></BookgDt><ValDt><Dt>{_DAY}</Dt></ValDt>
<AcctSvcrRef>BENCH-{number:09d}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls>
<Refs><EndToEndId>E2E-{number:09d}</EndToEndId><TxId>TX-{number:09d}</TxId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">{_amount(number)}</Amt></TxAmt></AmtDtls>
<RltdPties><{party}><Nm>Counterparty {number % 5000} GmbH</Nm></{party}>
<{party}Acct><Id><IBAN>DE02120300000000{number % 1000000:06d}</IBAN></Id></{party}Acct></RltdPties>
<RltdAgts><{agent}><FinInstnId><BIC>BYLADEM1001</BIC></FinInstnId></{agent}></RltdAgts>
<RmtInf><Ustrd>Invoice INV-{number:09d} customer {number % 5000}</Ustrd></RmtInf>
</TxDtls></NtryDtls>
</Ntry>
"""


def camt053_chunks(entries: int, *, per_statement: int) -> Iterator[str]:
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">\n<BkToCstmrStmt>\n'
        f"<GrpHdr><MsgId>BENCH-{entries}</MsgId><CreDtTm>2026-11-21T05:00:00</CreDtTm></GrpHdr>\n"
    )
    opening = OPENING
    for index, first in enumerate(range(0, entries, per_statement), 1):
        count = min(per_statement, entries - first)
        closing = _closing(first, count, opening)
        yield (
            f"<Stmt><Id>BENCH-{entries}-{per_statement}-{index:05d}</Id><ElctrncSeqNb>{index}</ElctrncSeqNb>"
            "<CreDtTm>2026-11-21T05:00:00</CreDtTm>\n"
            f"<Acct><Id><IBAN>{BENCH_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
            f'<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{opening}</Amt>'
            f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{_DAY}</Dt></Dt></Bal>\n"
            f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing}</Amt>'
            f"<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{_DAY}</Dt></Dt></Bal>\n"
        )
        for number in range(first, first + count):
            yield _camt_entry(number)
        yield "</Stmt>\n"
        opening = closing
    yield "</BkToCstmrStmt>\n</Document>\n"


def _swift(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def mt940_chunks(entries: int, *, per_statement: int) -> Iterator[str]:
    opening = OPENING
    day = _DAY.strftime("%y%m%d")
    for index, first in enumerate(range(0, entries, per_statement), 1):
        count = min(per_statement, entries - first)
        closing = _closing(first, count, opening)
        yield f":20:B{entries}-{per_statement}\n:25:{BENCH_ACCOUNT}\n:28C:{index:05d}/001\n"
        yield f":60F:C{day}EUR{_swift(opening)}\n"
        for number in range(first, first + count):
            mark = "C" if _is_credit(number) else "D"
            yield (
                f":61:{day}{day[2:]}{mark}{_swift(_amount(number))}NTRFE2E{number:09d}//BENCH{number:09d}\n"
                f":86:166?00GUTSCHRIFT?20EREF+E2E{number:09d}?21SVWZ+Invoice INV-{number:09d}"
                f"?32Counterparty {number % 5000} GmbH\n"
            )
        yield f":62F:C{day}EUR{_swift(closing)}\n-\n"
        opening = closing


def write(path: Path, chunks: Iterator[str]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for chunk in chunks:
            out.write(chunk)
    return path


def camt053_file(path: Path, entries: int, *, per_statement: int = 100_000) -> Path:
    return write(path, camt053_chunks(entries, per_statement=per_statement))


def mt940_file(path: Path, entries: int, *, per_statement: int = 100_000) -> Path:
    return write(path, mt940_chunks(entries, per_statement=per_statement))
