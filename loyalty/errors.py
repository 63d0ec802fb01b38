"""Errors of the ledger and the card.

Each carries a stable `code` (the till and the API map it to an HTTP status) and a message for the
person at the counter: a French text marked with N_ (the English catalogue extracts it) with
%(name)s placeholders, its values, and its amounts in cents. `message` is the French text; the
marketplace shows `render(gettext, money)`, in the reader's language, without this package
knowing Flask.
"""
from loyalty.money import euros


def N_(text: str) -> str:
    """Marks a text for translation where it is shown (babel extracts N_); returns it unchanged."""
    return text


class LedgerError(Exception):
    code = "ledger_error"
    template = N_("Opération refusée.")

    def __init__(self, template: str | None = None, *, amounts: dict[str, int] | None = None, **values):
        if template is not None:
            self.template = template
        self.values, self.amounts = values, amounts or {}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """In French (logs, command line, tests of this package)."""
        return self.render()

    def render(self, translate=lambda text: text, money=euros) -> str:
        """The message through `translate` (a gettext), with its amounts written by `money` (cents -> text)."""
        text = translate(self.template)
        values = {**self.values, **{name: money(cents) for name, cents in self.amounts.items()}}
        return text % values if values else text


class InvalidAmount(LedgerError):
    code = "invalid_amount"
    template = N_("Le montant doit être un nombre entier de centimes strictement positif.")


class InsufficientBalance(LedgerError):
    """Not enough money in the card's grants usable at this shop (or in a protected account)."""

    code = "insufficient_balance"

    def __init__(self, available_cents: int):
        self.available_cents = available_cents
        super().__init__(N_("Solde insuffisant : %(available)s disponibles."), amounts={"available": available_cents})


class InsufficientFunds(LedgerError):
    """The funder's account (employer or territory fund) cannot cover a grant."""

    code = "insufficient_funds"

    def __init__(self, available_cents: int):
        self.available_cents = available_cents
        super().__init__(N_("Fonds insuffisants : %(available)s disponibles sur le compte de financement."),
                         amounts={"available": available_cents})


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"
    template = N_("Cette clé d'opération a déjà servi pour une autre demande.")


class CardNotFound(LedgerError):
    code = "card_not_found"
    template = N_("Carte inconnue : vérifiez le numéro ou scannez à nouveau le QR code.")


class CardNotActive(LedgerError):
    code = "card_not_active"
    template = N_("Cette carte n'est pas active.")


class CardBlocked(CardNotActive):
    code = "card_blocked"
    template = N_("Cette carte est bloquée.")


class CardHeldByAnother(LedgerError):
    code = "card_held_by_another"
    template = N_("Cette carte est déjà rattachée à un autre compte.")


class PinLocked(LedgerError):
    """Too many wrong PINs: no PIN is accepted until the lock lifts (the card stays active)."""

    code = "pin_locked"
    template = N_("Code PIN verrouillé après trop d'essais erronés : réessayez plus tard.")


class PinLockout(PinLocked):
    """The wrong PIN that locked the PIN: the holder must be told."""

    code = "pin_lockout"

    def __init__(self, minutes: int):
        self.minutes = minutes
        super().__init__(N_("Code PIN verrouillé pour %(minutes)s minutes après 5 codes erronés."), minutes=minutes)


class WrongPin(LedgerError):
    code = "wrong_pin"

    def __init__(self, attempts_left: int):
        self.attempts_left = attempts_left
        super().__init__(N_("Code PIN erroné : encore %(attempts)s essais avant verrouillage.") if attempts_left > 1
                         else N_("Code PIN erroné : encore %(attempts)s essai avant verrouillage."),
                         attempts=attempts_left)


class PinRequired(LedgerError):
    code = "pin_required"
    template = N_("Le titulaire a choisi un code PIN : saisissez-le pour payer avec cette carte.")


class InvalidPin(LedgerError):
    code = "invalid_pin"
    template = N_("Le code PIN doit comporter exactement 4 chiffres.")


class InvalidCardTransition(LedgerError):
    code = "invalid_card_transition"

    def __init__(self, status: str):
        self.status = status
        super().__init__(TRANSITION_REFUSALS.get(status, N_("Opération impossible : la carte est %(status)s.")),
                         status=status)


TRANSITION_REFUSALS = {
    "pending": N_("Opération impossible : la carte est en attente d'activation."),
    "active": N_("Opération impossible : la carte est active."),
    "blocked": N_("Opération impossible : la carte est bloquée."),
    "deactivated": N_("Opération impossible : la carte est désactivée."),
}


class ShopRefusesCard(LedgerError):
    code = "shop_refuses_card"
    template = N_("Ce commerce n'accepte pas la carte territoriale.")


class VoidNotAllowed(LedgerError):
    code = "void_not_allowed"


class RefundNotAllowed(LedgerError):
    code = "refund_not_allowed"


class HoldNotPending(LedgerError):
    code = "hold_not_pending"
    template = N_("Cette réservation a déjà été encaissée, libérée ou a expiré.")


class PendingHolds(LedgerError):
    code = "card_has_pending_holds"
    template = N_("Des réservations de commandes en ligne sont en cours sur cette carte ; réessayez après leur "
                  "règlement.")


class NothingToSettle(LedgerError):
    code = "nothing_to_settle"
    template = N_("Rien à reverser à ce commerce.")


class ReasonRequired(LedgerError):
    code = "reason_required"
    template = N_("Indiquez le motif de la correction.")


class AboveFirstCredit(LedgerError):
    """A correction would leave a credit with more than it first received."""

    code = "above_first_credit"

    def __init__(self, *, balance_cents: int, amount_cents: int, first_cents: int):
        super().__init__(N_("Montant : la correction porterait ce crédit à %(after)s, plus que ce qu'il a reçu "
                            "(%(first)s). Ajoutez au plus %(most)s."),
                         amounts={"after": balance_cents + amount_cents, "first": first_cents,
                                  "most": max(first_cents - balance_cents, 0)})


class LedgerImmutable(RuntimeError):
    """A programming error: journal entries and postings are never updated or deleted."""
