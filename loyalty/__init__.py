"""The territorial card and its double-entry ledger (docs/design.md, "The ledger").

Where to look:
- loyalty.ledger   fund, issue_grant, issue_grants (a batch in one transaction), redeem, void,
                   refund, expire_grants, settle_shop, adjust, revoke_grant, replace_card: the money
                   operations (each commits; idempotent on `key`)
- loyalty.holds    hold, capture, release, expire_holds: two-phase payments for online orders
- loyalty.sales    record_online_sale, refund_online_sale (bank-card share of online orders owed to
                   the shop), take_commission (a settlement's commission to the territory)
- loyalty.cards    numbers, QR payloads, find_card, PIN (set_pin, check_pin), attach_holder, card states
- loyalty.queries  card_balance, spendable_balance, card_history, shop_redemptions
- loyalty.verify   verify: the invariants (`flask --app run ledger verify`)
- loyalty.errors   LedgerError and its subclasses: a stable `code` and a French `message`
"""
from loyalty import sqlite  # noqa: F401  (registers the SQLite BEGIN listener)
