"""Card PINs: keyed hashes (HMAC-SHA256) with a server-side secret.

A 4-digit PIN has 10,000 values, so a slow hash (scrypt: ~70 ms of CPU at every payment) would
not protect a leaked table; what protects the PIN is the attempt counter and lock-out, plus a
secret that is not in the database. Stored form: ``hmac-sha256$<key id>$<hex digest>`` of
``<card id>:<pin>``, so that equal PINs of two cards differ. The key id names the secret that
made it: keys rotate by putting a new one first (it hashes from then on) and keeping the old ones
until every card moved over (a card moves at its next right PIN, see `check`).

Older hashes (werkzeug's scrypt or pbkdf2) still verify, and `check` says to store a new one.

The keys come from the application (marketplace/__init__.py calls `configure` with
PIN_SECRETS); loyalty/ knows no Flask.
"""
import hashlib
import hmac
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from loyalty.errors import InvalidPin
from loyalty.models import Card

SCHEME = "hmac-sha256"


class PinKeyMissing(RuntimeError):
    """A stored hash names a key that is not configured: a deployment mistake, never a pass."""

    def __init__(self, key_id: str):
        super().__init__(f"PIN key {key_id!r} is not configured: add it to PIN_SECRETS "
                         "(keys that still verify stored PINs must stay until those cards moved over)")
        self.key_id = key_id


@dataclass(frozen=True)
class PinKeys:
    """The secrets, by key id; `current` hashes new PINs."""

    keys: dict[str, bytes]
    current: str

    @classmethod
    def parse(cls, text: str) -> "PinKeys":
        """'k2:secret,k1:older': the first is current."""
        keys: dict[str, bytes] = {}
        order = []
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            key_id, sep, secret = (item.strip() for item in part.partition(":"))
            if not sep or not key_id or "$" in key_id or len(secret) < 16 or key_id in keys:
                raise ValueError("PIN_SECRETS: 'keyid:secret' pairs separated by commas, each key id once, "
                                 "secrets of 16 characters or more")
            keys[key_id] = secret.encode()
            order.append(key_id)
        if not keys:
            raise ValueError("PIN_SECRETS is empty")
        return cls(keys, order[0])

    def digest(self, key_id: str, card_id: int, pin: str) -> str:
        try:
            secret = self.keys[key_id]
        except KeyError:
            raise PinKeyMissing(key_id) from None
        return hmac.new(secret, f"{card_id}:{pin}".encode(), hashlib.sha256).hexdigest()


_keys: PinKeys | None = None


def configure(keys: PinKeys) -> None:
    global _keys
    _keys = keys


def keys() -> PinKeys:
    if _keys is None:
        raise RuntimeError("PIN keys are not configured (loyalty.pins.configure)")
    return _keys


@contextmanager
def using(other: PinKeys):
    """Tests: other keys for a while."""
    before = _keys
    configure(other)
    try:
        yield
    finally:
        configure(before)


def validate(pin) -> str:
    if not (isinstance(pin, str) and len(pin) == 4 and pin.isdigit()):
        raise InvalidPin()
    return pin


def hash_pin(card_id: int, pin: str) -> str:
    """What to store for this card's 4-digit PIN (InvalidPin otherwise), with the current key."""
    return candidate(card_id, validate(pin))


def candidate(card_id: int, pin: str) -> str:
    """What this card's hash would be if `pin` were its PIN, with the current key, for the
    database to compare (loyalty/pg_redeem.py) without the secret. No shape check: a PIN that
    is not 4 digits matches no stored hash."""
    ring = keys()
    return f"{SCHEME}${ring.current}${ring.digest(ring.current, card_id, pin)}"


def stored_keys(session: Session) -> dict[str, int]:
    """How many cards' PINs each key id holds ("legacy": hashed before HMAC): a key may be retired
    from PIN_SECRETS once no card counts on it (`flask --app run ledger pin-keys`)."""
    counts: dict[str, int] = {}
    rows = session.execute(select(Card.pin_hash).where(Card.pin_hash.is_not(None)))
    for (stored,) in rows:
        scheme, _, rest = stored.partition("$")
        key_id = rest.partition("$")[0] if scheme == SCHEME else "legacy"
        counts[key_id] = counts.get(key_id, 0) + 1
    return counts


def check(stored: str, card_id: int, pin: str) -> tuple[bool, str | None]:
    """(is the PIN right, the hash to store instead or None). A right PIN hashed with an older key
    or an older method gets a new hash with the current key. Comparison in constant time."""
    ring = keys()
    scheme, _, rest = stored.partition("$")
    if scheme == SCHEME:
        key_id, _, digest = rest.partition("$")
        right = hmac.compare_digest(ring.digest(key_id, card_id, pin), digest)
        return right, (hash_pin(card_id, pin) if right and key_id != ring.current else None)
    right = check_password_hash(stored, pin)  # before HMAC: werkzeug's scrypt / pbkdf2
    return right, (hash_pin(card_id, pin) if right else None)
