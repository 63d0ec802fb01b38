"""The SEPA credit-transfer file (pain.001.001.03) that pays the shops of a settlement run."""
from flask import current_app
from flask_babel import gettext
from sepaxml import SepaTransfer
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban


class SepaConfigError(Exception):
    """The territory's own bank details (the debtor) are missing or invalid."""


def valid_iban(iban: str | None) -> bool:
    return bool(iban) and stdnum_iban.is_valid(iban)


def debtor() -> dict:
    config = current_app.config
    iban = (config.get("TERRITORY_IBAN") or "").replace(" ", "").upper()
    bic = (config.get("TERRITORY_BIC") or "").replace(" ", "").upper()
    if not valid_iban(iban):
        raise SepaConfigError(gettext("L'IBAN du territoire (TERRITORY_IBAN) est absent ou invalide : le fichier "
                                      "de virements ne peut pas être produit."))
    if bic and not stdnum_bic.is_valid(bic):
        raise SepaConfigError(gettext("Le BIC du territoire (TERRITORY_BIC) est invalide."))
    found = {"name": config["TERRITORY_NAME"][:70], "IBAN": iban, "batch": True, "currency": "EUR"}
    if bic:
        found["BIC"] = bic
    return found


def territory_account() -> dict | None:
    """The territory's account for the transfer instructions ({name, IBAN, BIC}, the IBAN in
    groups of four), or None when it is not configured (valid)."""
    try:
        account = debtor()
    except SepaConfigError:
        return None
    return {"name": account["name"], "IBAN": stdnum_iban.format(account["IBAN"]), "BIC": account.get("BIC", "")}


def credit_transfer_xml(run) -> bytes:
    """One payment per statement of `run` with a valid IBAN and something to pay."""
    transfer = SepaTransfer(debtor(), clean=True)
    for statement in payable_statements(run):
        transfer.add_payment({
            "name": statement.shop.name,
            "IBAN": statement.iban,
            "amount": statement.payout_cents,
            "execution_date": run.execution_date,
            "description": f"Halle releve {statement.number} du {run.starts_on:%d/%m/%Y} au {run.ends_on:%d/%m/%Y}",
            "endtoend_id": f"HALLE-{statement.number}",
        })
    return transfer.export(validate=True)


def payable_statements(run) -> list:
    """What the file pays: once the run is paid, what it paid; before, what is left to pay (a
    run recomputed after part of it was paid does not pay that part again)."""
    wanted = ("paid",) if run.status == "paid" else ("draft",)
    return [s for s in run.statements if s.iban_valid and s.payout_cents > 0 and s.status in wanted]
