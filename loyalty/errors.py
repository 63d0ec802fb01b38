"""Errors of the ledger and the card.

Each carries a stable `code` (the till and the API map it to an HTTP status and show
`message`, written in French for the person at the counter).
"""
from loyalty.money import euros


class LedgerError(Exception):
    code = "ledger_error"
    message = "Opération refusée."

    def __init__(self, message: str | None = None):
        if message is not None:
            self.message = message
        super().__init__(self.message)


class InvalidAmount(LedgerError):
    code = "invalid_amount"
    message = "Le montant doit être un nombre entier de centimes strictement positif."


class InsufficientBalance(LedgerError):
    """Not enough money in the card's grants usable at this shop (or in a protected account)."""

    code = "insufficient_balance"

    def __init__(self, available_cents: int):
        self.available_cents = available_cents
        super().__init__(f"Solde insuffisant : {euros(available_cents)} disponibles.")


class InsufficientFunds(LedgerError):
    """The funder's account (employer or territory fund) cannot cover a grant."""

    code = "insufficient_funds"

    def __init__(self, available_cents: int):
        self.available_cents = available_cents
        super().__init__(
            f"Fonds insuffisants : {euros(available_cents)} disponibles sur le compte de financement."
        )


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"
    message = "Cette clé d'opération a déjà servi pour une autre demande."


class CardNotFound(LedgerError):
    code = "card_not_found"
    message = "Carte inconnue : vérifiez le numéro ou scannez à nouveau le QR code."


class CardNotActive(LedgerError):
    code = "card_not_active"
    message = "Cette carte n'est pas active."


class CardBlocked(CardNotActive):
    code = "card_blocked"
    message = "Cette carte est bloquée."


class CardHeldByAnother(LedgerError):
    code = "card_held_by_another"
    message = "Cette carte est déjà rattachée à un autre compte."


class PinLockout(CardBlocked):
    """The wrong PIN that blocked the card: the holder must be told."""

    code = "pin_lockout"
    message = "Carte bloquée après 5 codes PIN erronés."


class WrongPin(LedgerError):
    code = "wrong_pin"

    def __init__(self, attempts_left: int):
        self.attempts_left = attempts_left
        plural = "s" if attempts_left > 1 else ""
        super().__init__(f"Code PIN erroné : encore {attempts_left} essai{plural} avant blocage.")


class PinRequired(LedgerError):
    code = "pin_required"
    message = "Le titulaire a choisi un code PIN : saisissez-le pour payer avec cette carte."


class InvalidPin(LedgerError):
    code = "invalid_pin"
    message = "Le code PIN doit comporter exactement 4 chiffres."


class InvalidCardTransition(LedgerError):
    code = "invalid_card_transition"

    def __init__(self, status: str):
        self.status = status
        super().__init__(f"Opération impossible : la carte est {STATUS_LABELS.get(status, status)}.")


STATUS_LABELS = {
    "pending": "en attente d'activation",
    "active": "active",
    "blocked": "bloquée",
    "deactivated": "désactivée",
}


class ShopRefusesCard(LedgerError):
    code = "shop_refuses_card"
    message = "Ce commerce n'accepte pas la carte territoriale."


class VoidNotAllowed(LedgerError):
    code = "void_not_allowed"


class RefundNotAllowed(LedgerError):
    code = "refund_not_allowed"


class HoldNotPending(LedgerError):
    code = "hold_not_pending"
    message = "Cette réservation a déjà été encaissée, libérée ou a expiré."


class PendingHolds(LedgerError):
    code = "card_has_pending_holds"
    message = "Des réservations de commandes en ligne sont en cours sur cette carte ; réessayez après leur règlement."


class NothingToSettle(LedgerError):
    code = "nothing_to_settle"
    message = "Rien à reverser à ce commerce."


class ReasonRequired(LedgerError):
    code = "reason_required"
    message = "Indiquez le motif de la correction."


class LedgerImmutable(RuntimeError):
    """A programming error: journal entries and postings are never updated or deleted."""
