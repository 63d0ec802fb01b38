"""Writing realistic CAMT.053 bank statements for the tests (as French banks send them: one Stmt,
booked entries with their transaction details, opening and closing balances)."""
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

TERRITORY_IBAN = "FR7630001002152114000000104"  # the demo's (fictitious, valid)


@dataclass
class Tx:
    """One transaction of an entry: its amount (signed: money in > 0), references and other party."""
    cents: int
    end_to_end: str = "NOTPROVIDED"
    remittance: str = ""
    name: str = ""
    iban: str = ""


@dataclass
class Line:
    """One booked entry (several `txs`: a batch booking)."""
    cents: int
    booked: date
    ref: str | None
    txs: list[Tx] = field(default_factory=list)
    info: str = ""
    status: str = "BOOK"


def _amount(cents: int) -> str:
    return f"{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _party(tx: Tx, version: int) -> str:
    role = "Dbtr" if tx.cents > 0 else "Cdtr"
    name = f"<Nm>{escape(tx.name)}</Nm>"
    party = f"<{role}><Pty>{name}</Pty></{role}>" if version >= 8 else f"<{role}>{name}</{role}>"
    account = f"<{role}Acct><Id><IBAN>{tx.iban}</IBAN></Id></{role}Acct>" if tx.iban else ""
    return f"<RltdPties>{party}{account}</RltdPties>"


def _tx(tx: Tx, version: int) -> str:
    amount = f'<Amt Ccy="EUR">{_amount(tx.cents)}</Amt>'
    amounts = (f"{amount}<CdtDbtInd>{'CRDT' if tx.cents > 0 else 'DBIT'}</CdtDbtInd>" if version >= 8
               else f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>")
    remittance = f"<RmtInf><Ustrd>{escape(tx.remittance)}</Ustrd></RmtInf>" if tx.remittance else ""
    return (f"<TxDtls><Refs><EndToEndId>{escape(tx.end_to_end)}</EndToEndId></Refs>{amounts}"
            f"{_party(tx, version)}{remittance}</TxDtls>")


def _entry(line: Line, version: int) -> str:
    status = f"<Sts><Cd>{line.status}</Cd></Sts>" if version >= 8 else f"<Sts>{line.status}</Sts>"
    ref = f"<AcctSvcrRef>{line.ref}</AcctSvcrRef>" if line.ref else ""
    details = f"<NtryDtls>{''.join(_tx(tx, version) for tx in line.txs)}</NtryDtls>" if line.txs else ""
    info = f"<AddtlNtryInf>{escape(line.info)}</AddtlNtryInf>" if line.info else ""
    family = "ICDT" if line.cents < 0 else "RCDT"
    return (f'<Ntry><Amt Ccy="EUR">{_amount(line.cents)}</Amt><CdtDbtInd>{"CRDT" if line.cents > 0 else "DBIT"}'
            f"</CdtDbtInd>{status}<BookgDt><Dt>{line.booked}</Dt></BookgDt><ValDt><Dt>{line.booked}</Dt></ValDt>"
            f"{ref}<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>"
            f"</BkTxCd>{details}{info}</Ntry>")


def _balance(code: str, cents: int, day: date) -> str:
    return (f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{_amount(cents)}</Amt>'
            f"<CdtDbtInd>{'CRDT' if cents >= 0 else 'DBIT'}</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>")


def statement(stmt_id: str, lines: list[Line], *, opening: int = 0, start: date, end: date,
              iban: str = TERRITORY_IBAN, version: int = 2) -> bytes:
    """A camt.053.001.0{version} document; the closing balance is the opening plus the booked lines."""
    closing = opening + sum(line.cents for line in lines if line.status == "BOOK")
    namespace = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{namespace}" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><BkToCstmrStmt>'
            f"<GrpHdr><MsgId>MSG-{stmt_id}</MsgId><CreDtTm>{end}T06:00:00</CreDtTm></GrpHdr>"
            f"<Stmt><Id>{stmt_id}</Id><ElctrncSeqNb>1</ElctrncSeqNb><CreDtTm>{end}T06:00:00</CreDtTm>"
            f"<FrToDt><FrDtTm>{start}T00:00:00</FrDtTm><ToDtTm>{end}T23:59:59</ToDtTm></FrToDt>"
            f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy><Ownr><Nm>PETR AUXOIS MORVAN</Nm></Ownr>"
            f"<Svcr><FinInstnId><BIC>BDFEFRPPCCT</BIC></FinInstnId></Svcr></Acct>"
            f"{_balance('OPBD', opening, start)}{_balance('CLBD', closing, end)}"
            f"<TxsSummry><TtlNtries><NbOfNtries>{len(lines)}</NbOfNtries></TtlNtries></TxsSummry>"
            f"{''.join(_entry(line, version) for line in lines)}</Stmt></BkToCstmrStmt></Document>").encode()
