"""Top-up programmes (bons d'achat abondés): while a programme runs, each purchase of credit
(a gift card or a holder's top-up, online) gets a top-up of `rate_percent` of what was paid, as a
grant of its own funded from the programme's budget (loyalty/topups.py), limited to where the
programme says (categories, communes, shops: loyalty.terms.AcceptanceTerms.allows).

A programme has an owner who pays its budget: the territory, a commune (its top-ups are spent in
that commune only) or a merchants' association (at the shops that are its members when the top-up
is granted: marketplace/associations.py). Several programmes may run at once: a purchase gets the
top-up of each, each within its own budget and caps.

The budget is never overspent, whatever runs at the same time: the top-up is granted inside the
purchase's transaction, under the lock of the programme's budget account, and that account may
not go negative (the ledger checks). Caps per purchase and per person (`person_of`: the buyer's
email; at a counter, the recipient's email or the card) are read under the same lock. Budgets are
locked in the programmes' order (ids), so two purchases never wait for each other's budget. A
refund of the purchase takes back what is left of its top-ups.
"""
from dataclasses import dataclass
from datetime import date
from typing import Callable

from flask_babel import gettext
from sqlalchemy import String, cast, func, literal_column, select

from loyalty.clock import paris_day, utc_now
from loyalty.models import Account, Entry, Grant, Posting
from loyalty.money import euros
from loyalty.topups import fund_programme, grant_top_up, programme_account, programme_left, take_back_top_up
from marketplace import audit
from marketplace.associations import member_shop_ids
from marketplace.extensions import db
from marketplace.models import Commune, CreditPurchase, Shop
from marketplace.models.topup_programmes import TopUpAward, TopUpProgramme


class ProgrammeError(ValueError):
    """A refused change (the message names the field, in the reader's language)."""


@dataclass(frozen=True)
class ProgrammeTerms:
    """What the admin's form says (already checked field by field)."""
    name: str
    budget_cents: int
    rate_percent: int
    cap_per_purchase_cents: int
    cap_per_person_cents: int
    starts_on: date
    ends_on: date
    allowed_categories: list[str] | None
    allowed_communes: list[str] | None
    commune_insee: str | None = None  # the owner: a commune (its top-ups are spent there only)
    association_id: int | None = None  # or a merchants' association (at its member shops only)


def top_up_label(programme: TopUpProgramme) -> str:
    """The grant's label, stored in the territory's language."""
    return f"Abondement {programme.name}"


def create(terms: ProgrammeTerms, *, admin,
           created: Callable[[TopUpProgramme], None] | None = None) -> TopUpProgramme:
    """A new programme, its budget put into its account in the ledger. `created(programme)` runs
    before the programme's commit (the form's one-time token records where it leads)."""
    programme = TopUpProgramme()
    _apply(programme, terms)
    db.session.add(programme)
    db.session.flush()
    if created is not None:
        created(programme)
    audit.record("topup_programme.create", programme, actor=admin,
                 summary=f"Programme d'abondement {terms.name} : budget {euros(terms.budget_cents)}")
    db.session.commit()
    _fund(programme.id, terms.budget_cents, admin)
    return db.session.get(TopUpProgramme, programme.id)


def update(programme_id: int, terms: ProgrammeTerms, *, admin) -> TopUpProgramme:
    """Change a programme; a new budget moves the difference in the ledger (never below what
    was used)."""
    programme = db.session.get(TopUpProgramme, programme_id)
    used = used_cents(programme)
    if terms.budget_cents < used:
        raise ProgrammeError(gettext("Budget : au moins %(used)s, déjà utilisés.", used=_money(used)))
    change = terms.budget_cents - programme.budget_cents
    _apply(programme, terms)
    audit.record("topup_programme.update", programme, actor=admin,
                 summary=f"Programme d'abondement {terms.name} modifié (budget {euros(terms.budget_cents)})")
    db.session.commit()
    if change:
        _fund(programme_id, change, admin)
    return db.session.get(TopUpProgramme, programme_id)


def _apply(programme: TopUpProgramme, terms: ProgrammeTerms) -> None:
    if terms.ends_on < terms.starts_on:
        raise ProgrammeError(gettext("Date de fin : le jour du début ou plus tard."))
    if terms.commune_insee and terms.association_id:
        raise ProgrammeError(gettext("Porteur : le territoire, une commune ou une union commerciale, un seul."))
    for name in ("name", "budget_cents", "rate_percent", "cap_per_purchase_cents", "cap_per_person_cents",
                 "starts_on", "ends_on", "commune_insee", "association_id"):
        setattr(programme, name, getattr(terms, name))
    programme.allowed_categories = sorted(terms.allowed_categories) if terms.allowed_categories else None
    # A commune's programme tops up what is spent in that commune, whatever else the form said.
    communes = [terms.commune_insee] if terms.commune_insee else terms.allowed_communes
    programme.allowed_communes = sorted(communes) if communes else None


def _fund(programme_id: int, cents: int, admin) -> None:
    """Each change of budget is its own ledger entry, keyed on the budget it leads to."""
    programme = db.session.get(TopUpProgramme, programme_id)
    name, budget = programme.name, programme.budget_cents
    db.session.commit()
    fund_programme(db.session, programme_id=programme_id, name=name, amount_cents=cents,
                   key=f"programme:{programme_id}:budget:{budget}:{cents}:{utc_now().isoformat()}",
                   actor=f"user:{admin.id}" if admin is not None else "system")


def running(today: date | None = None) -> list[TopUpProgramme]:
    """The programmes that top up today's purchases: the running ones (dates) with budget left,
    oldest first (read without a lock: `award_top_ups` checks again under each one's)."""
    today = today or paris_day(utc_now())
    query = (select(TopUpProgramme).join(Account, Account.code == literal_column("'programme:'").concat(cast(TopUpProgramme.id, String)))
             .where(TopUpProgramme.starts_on <= today, TopUpProgramme.ends_on >= today, Account.balance_cents > 0)
             .order_by(TopUpProgramme.id))
    return list(db.session.scalars(query))


def person_of(purchase: CreditPurchase, item) -> str:
    """Whom the cap per person counts an item's top-up for: online, the buyer (their email); at
    a counter (no buyer's email), the recipient's email when the seller took it, else the card."""
    email = (purchase.buyer_email or item.recipient_email or "").strip().lower()
    return email or f"card:{item.card_id}"


def award_top_ups(purchase: CreditPurchase, *, expires_on: date, actor: str) -> list[TopUpAward]:
    """Inside the transaction that records `purchase` as paid (its items' cards and grants
    set): each running programme's top-up of each item, within the purchase's and the buyer's
    caps and what is left of that programme's budget, granted on the item's card. Nothing when
    no programme runs."""
    awards = []
    for programme in running():  # in the programmes' order: their budgets' locks too
        awards += _award(programme, purchase, expires_on=expires_on, actor=actor)
    db.session.flush()
    return awards


def _award(programme: TopUpProgramme, purchase: CreditPurchase, *, expires_on: date, actor: str) -> list[TopUpAward]:
    shops = None
    if programme.association_id is not None:  # spent at the association's members (of today)
        shops = member_shop_ids(programme.association_id)
        if not shops:
            return []
    left = programme_left(db.session, programme.id)  # the budget's lock: top-ups one at a time from here
    room = min(left, programme.cap_per_purchase_cents)
    had: dict[str, int] = {}  # what each person already got, read under the lock
    awards = []
    moment = utc_now().replace(tzinfo=None)
    for item in purchase.items:
        person = person_of(purchase, item)
        if person not in had:
            had[person] = db.session.scalar(
                select(func.coalesce(func.sum(TopUpAward.amount_cents - TopUpAward.taken_back_cents), 0))
                .where(TopUpAward.programme_id == programme.id, TopUpAward.person == person))
        cents = min(item.amount_cents * programme.rate_percent // 100, room,
                    programme.cap_per_person_cents - had[person])
        if cents <= 0:
            continue
        result = grant_top_up(db.session, card_id=item.card_id, programme_id=programme.id, amount_cents=cents,
                              label=top_up_label(programme), expires_on=expires_on,
                              allowed_categories=programme.allowed_categories,
                              allowed_communes=programme.allowed_communes, allowed_shops=shops,
                              key=f"topup:{programme.id}:item:{item.id}", actor=actor, now=moment)
        award = TopUpAward(programme_id=programme.id, item_id=item.id, person=person, card_id=item.card_id,
                           grant_id=next(iter(result.grant_amounts)), issue_entry_id=result.entry_id,
                           amount_cents=cents, taken_back_cents=0)
        db.session.add(award)
        awards.append(award)
        room -= cents
        had[person] += cents
    return awards


def awards_of(item_id: int) -> list[TopUpAward]:
    """The item's top-ups, one per programme, oldest programme first."""
    return list(db.session.scalars(select(TopUpAward).where(TopUpAward.item_id == item_id)
                                   .order_by(TopUpAward.programme_id)))


def awards_for_items(item_ids) -> list[TopUpAward]:
    """The top-ups of several items (a sale's, a day's), one per programme and item."""
    return list(db.session.scalars(select(TopUpAward).where(TopUpAward.item_id.in_(list(item_ids)))
                                   .order_by(TopUpAward.item_id, TopUpAward.programme_id)))


def award_of(item_id: int, programme_id: int | None = None) -> TopUpAward | None:
    """The item's top-up by `programme_id` (None: its first one)."""
    return next((a for a in awards_of(item_id) if programme_id in (None, a.programme_id)), None)


def take_back_for_item(item_id: int, *, actor: str) -> int:
    """The item's purchase is refunded: what is left of each of its top-ups goes back to its
    programme (what was spent stays spent). Once; returns the cents taken back."""
    taken = 0
    for award_id, grant_id in [(a.id, a.grant_id) for a in awards_of(item_id) if not a.taken_back_cents]:
        db.session.commit()
        result = take_back_top_up(db.session, grant_id=grant_id, key=f"topupback:award:{award_id}", actor=actor,
                                  reason="Achat remboursé : abondement repris")
        if result is None:
            continue
        award = db.session.get(TopUpAward, award_id)
        award.taken_back_cents = result.amount_cents
        db.session.commit()
        taken += result.amount_cents
    return taken


# --- Figures --------------------------------------------------------------------------------------


def left_cents(programme: TopUpProgramme) -> int:
    account = programme_account(db.session, programme.id, programme.name)
    return account.balance_cents


def used_cents(programme: TopUpProgramme) -> int:
    """Granted and not taken back."""
    return db.session.scalar(select(func.coalesce(func.sum(TopUpAward.amount_cents - TopUpAward.taken_back_cents), 0))
                             .where(TopUpAward.programme_id == programme.id))


@dataclass(frozen=True)
class Figures:
    budget_cents: int
    used_cents: int
    left_cents: int
    top_ups: int
    spent_cents: int
    by_commune: list[tuple[str, int]]  # (commune's name, cents spent there)
    by_shop: list[tuple[str, str, int]]  # (shop, commune, cents)


def figures(programme: TopUpProgramme) -> Figures:
    """The live page: budget used and left, and where the top-ups were spent (payments net of
    voids and refunds, online orders' captured holds included)."""
    funder = programme_account(db.session, programme.id, programme.name)
    spent = (select(Entry.shop_id, (-func.sum(Posting.amount_cents)).label("cents"))
             .join(Posting, Posting.entry_id == Entry.id).join(Grant, Grant.account_id == Posting.account_id)
             .where(Grant.funder_account_id == funder.id, Entry.shop_id.is_not(None))
             .group_by(Entry.shop_id).subquery())
    rows = db.session.execute(select(Shop.name, Commune.name, spent.c.cents)
                              .join(spent, spent.c.shop_id == Shop.id).join(Commune, Commune.insee == Shop.commune_insee)
                              .order_by(spent.c.cents.desc(), Shop.name)).all()
    by_shop = [(shop, commune, int(cents)) for shop, commune, cents in rows if cents]
    communes: dict[str, int] = {}
    for _shop, commune, cents in by_shop:
        communes[commune] = communes.get(commune, 0) + cents
    count = db.session.scalar(select(func.count()).select_from(TopUpAward)
                              .where(TopUpAward.programme_id == programme.id))
    return Figures(budget_cents=programme.budget_cents, used_cents=used_cents(programme),
                   left_cents=funder.balance_cents, top_ups=count, spent_cents=sum(c for *_, c in by_shop),
                   by_commune=sorted(communes.items(), key=lambda kv: (-kv[1], kv[0])), by_shop=by_shop)


def _money(cents: int) -> str:
    from marketplace.formatting import money

    return money(cents)

