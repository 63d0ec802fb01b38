"""The card settings of the territory: stored in the database by the admin, config.py values as
defaults. Every reader goes through `card_settings()`; loyalty/ receives the values as arguments.
"""
import time
from dataclasses import dataclass
from functools import cache

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from loyalty.cards import DEFAULT_PREFIX, PIN_LOCK_MINUTES
from loyalty.money import euros
from marketplace.catalogue import InvalidValue, parse_price
from marketplace.extensions import db
from marketplace.models import TerritorySettings

MAX_COMMISSION_BPS = 2000  # 20 %
MAX_PIN_FREE_CENTS = 10_000  # 100 €: above, a lost card could be emptied too fast
MAX_PIN_LOCK_MINUTES = 7 * 24 * 60
# How often the scheduler settles the shops (marketplace/settlement_schedule.py); manual: never.
SETTLEMENT_CADENCES = ("daily", "weekly", "manual")
_CADENCE_WORDS = {"daily": "chaque jour", "weekly": "chaque semaine", "manual": "à la main"}  # the audit log's French


@dataclass(frozen=True)
class CardSettings:
    card_prefix: str  # the first 4 digits of new cards
    commission_bps: int  # kept on the next settlement runs, in basis points (150 = 1.5 %)
    pin_required_above_cents: int | None  # a card with a PIN pays without it up to this; None: always asked
    pin_lock_minutes: int = PIN_LOCK_MINUTES  # how long 5 wrong PINs lock a card's PIN
    settlement_cadence: str = "weekly"  # one of SETTLEMENT_CADENCES


class SettingsError(Exception):
    """A refused value; `field` names it (card_prefix, commission_bps, pin_required_above, pin_lock_minutes).
    `errors`: every refused field of a form with its message (the first one is `field`'s)."""

    def __init__(self, field: str, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.field = field
        self.errors = errors or {field: message}


def settings_row() -> TerritorySettings | None:
    """The territory settings' one row, or None before the admin saved any."""
    return db.session.scalar(_first_row())


@cache
def _first_row():
    """Built once: every card payment reads the settings."""
    return select(TerritorySettings).order_by(TerritorySettings.id).limit(1)


def card_settings(*, for_till: bool = False) -> CardSettings:
    """The current settings. `for_till`: every card payment needs them, so the till may reuse this
    worker's copy for CARD_SETTINGS_MAX_AGE seconds (saves a query per payment); everything else
    (settlements, new cards, the admin page) reads them afresh."""
    if not for_till:
        return _read_card_settings()
    cached = current_app.extensions.get(_TILL_COPY)
    now = time.monotonic()
    if cached is None or now - cached[0] >= current_app.config["CARD_SETTINGS_MAX_AGE"]:
        cached = current_app.extensions[_TILL_COPY] = (now, _read_card_settings())
    return cached[1]


_TILL_COPY = "halle.card_settings_for_till"


def _read_card_settings() -> CardSettings:
    row = settings_row()
    config = current_app.config
    return CardSettings(
        card_prefix=(row.card_prefix if row and row.card_prefix else config.get("CARD_PREFIX", DEFAULT_PREFIX)),
        commission_bps=(row.commission_bps if row and row.commission_bps is not None
                        else int(config.get("SETTLEMENT_COMMISSION_BPS", 0))),
        pin_required_above_cents=(row.pin_required_above_cents if row and row.pin_required_above_cents is not None
                                  else config.get("CARD_PIN_REQUIRED_ABOVE_CENTS")),
        pin_lock_minutes=(row.pin_lock_minutes if row and row.pin_lock_minutes is not None
                          else int(config.get("CARD_PIN_LOCK_MINUTES", PIN_LOCK_MINUTES))),
        settlement_cadence=(row.settlement_cadence if row and row.settlement_cadence
                            else config.get("SETTLEMENT_CADENCE") or "weekly"),
    )


def validate_prefix(prefix: str) -> str:
    prefix = (prefix or "").strip()
    if len(prefix) != 4 or not prefix.isdigit():
        raise SettingsError("card_prefix", gettext("Préfixe des cartes : 4 chiffres."))
    if prefix[0] != "9":
        # ISO 7812: 9 is the "national use" industry; 1-8 are airlines, banks and card networks.
        raise SettingsError("card_prefix", gettext(
            "Préfixe des cartes : il doit commencer par 9 (usage national, ISO 7812), sinon il pourrait être "
            "celui d'une carte bancaire."))
    return prefix


def validate_commission(bps) -> int:
    try:
        bps = int(bps)
    except (TypeError, ValueError):
        raise SettingsError("commission_bps", gettext(
            "Commission : un nombre entier de points de base (150 = 1,5 %).")) from None
    if not 0 <= bps <= MAX_COMMISSION_BPS:
        raise SettingsError("commission_bps", gettext(
            "Commission : entre 0 et %(most)s points de base (0 à 20 %%).", most=MAX_COMMISSION_BPS))
    return bps


def validate_pin_threshold(text) -> int | None:
    """'20' or '20,50' (euros) -> cents; empty -> None (the PIN is always asked)."""
    if not (str(text) if text is not None else "").strip():
        return None
    try:
        cents = parse_price(text, allow_zero=True)
    except InvalidValue:
        raise SettingsError("pin_required_above", gettext(
            "PIN demandé au-delà de : un montant en euros, par exemple 20 ou 20,50.")) from None
    if not 0 <= cents <= MAX_PIN_FREE_CENTS:
        raise SettingsError("pin_required_above", gettext(
            "PIN demandé au-delà de : entre 0 et %(most)s €.", most=MAX_PIN_FREE_CENTS // 100))
    return cents


def validate_pin_lock_minutes(text) -> int | None:
    """Minutes; empty -> None (the default)."""
    text = (str(text) if text is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_PIN_LOCK_MINUTES:
        raise SettingsError("pin_lock_minutes", gettext(
            "Verrouillage du code PIN : un nombre entier de minutes, de 1 à %(most)s.", most=MAX_PIN_LOCK_MINUTES))
    return int(text)


def validate_cadence(cadence) -> str:
    if cadence not in SETTLEMENT_CADENCES:
        raise SettingsError("settlement_cadence", gettext(
            "Rythme des règlements : chaque jour, chaque semaine ou manuel."))
    return cadence


def update_card_settings(*, card_prefix: str, commission_bps, actor, pin_required_above="",
                         pin_lock_minutes="", settlement_cadence: str | None = None) -> CardSettings:
    """Validate, store and log; nothing changes when a value is refused. `settlement_cadence`
    None: left as it is."""
    from marketplace import audit

    before = card_settings()
    checks = {"card_prefix": (validate_prefix, card_prefix), "commission_bps": (validate_commission, commission_bps),
              "pin_required_above": (validate_pin_threshold, pin_required_above),
              "pin_lock_minutes": (validate_pin_lock_minutes, pin_lock_minutes),
              "settlement_cadence": (validate_cadence, settlement_cadence)}
    if settlement_cadence is None:
        checks["settlement_cadence"] = (lambda _: before.settlement_cadence, None)
    values, errors = {}, {}
    for name, (check, value) in checks.items():  # every value is checked: the admin sees all the refusals at once
        try:
            values[name] = check(value)
        except SettingsError as error:
            errors.update(error.errors)
    if errors:
        first = next(iter(errors))
        raise SettingsError(first, errors[first], errors)
    prefix, bps, cadence = values["card_prefix"], values["commission_bps"], values["settlement_cadence"]
    pin_above, lock_minutes = values["pin_required_above"], values["pin_lock_minutes"]
    row = settings_row()
    if row is None:
        row = TerritorySettings()
        db.session.add(row)
    row.card_prefix, row.commission_bps, row.updated_by_id = prefix, bps, getattr(actor, "id", None)
    row.pin_required_above_cents, row.pin_lock_minutes = pin_above, lock_minutes
    row.settlement_cadence = cadence
    db.session.flush()
    audit.record("settings.card", row, actor=actor, summary=f"Réglages de la carte : préfixe {prefix}, "
                 f"commission {bps} pb, PIN au-delà de {euros(pin_above) if pin_above is not None else '—'}, "
                 f"verrouillage du PIN {lock_minutes or '—'} min, règlements {_CADENCE_WORDS[cadence]}",
                 before={"card_prefix": before.card_prefix, "commission_bps": before.commission_bps,
                         "pin_required_above_cents": before.pin_required_above_cents,
                         "pin_lock_minutes": before.pin_lock_minutes,
                         "settlement_cadence": before.settlement_cadence},
                 after={"card_prefix": prefix, "commission_bps": bps, "pin_required_above_cents": pin_above,
                        "pin_lock_minutes": lock_minutes, "settlement_cadence": cadence})
    db.session.commit()
    current_app.extensions.pop(_TILL_COPY, None)  # this worker's tills see the change at once
    return card_settings()


def association_members_need_admin() -> bool:
    """Does a shop join a merchants' association only once the territory admin confirmed it?"""
    row = settings_row()
    return bool(row is not None and row.association_members_need_admin)


def set_association_members_need_admin(value: bool, *, actor) -> None:
    from marketplace import audit

    row = settings_row()
    if row is None:
        row = TerritorySettings()
        db.session.add(row)
    before = bool(row.association_members_need_admin)
    row.association_members_need_admin, row.updated_by_id = bool(value), getattr(actor, "id", None)
    db.session.flush()
    audit.record("settings.associations", row, actor=actor,
                 summary=f"Nouveaux membres des unions commerciales confirmés par l'administration : "
                         f"{'oui' if value else 'non'}",
                 before={"association_members_need_admin": before}, after={"association_members_need_admin": bool(value)})
    db.session.commit()
