"""Where the card money stays: what was spent, when, where, in which trades, from which campaign.

"Spent" is what card payments brought the shops, net of voids and refunds: the movements of the
shops' payable accounts by redeem, capture, void and refund entries. Per campaign, it is what
left the grants of that campaign's cards for shops (holds still pending count as spent).
Every table is a list of rows (label, cents, …) so that a page and a CSV export share it.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import format_date, gettext
from sqlalchemy import func, select

from loyalty.clock import paris_day
from loyalty.models import Account, Entry, Grant, Posting
from marketplace.exports import csv_document, euros
from marketplace.extensions import db
from marketplace.models import Campaign, Category, Commune, Employer, Product, Shop
from marketplace.models.shops import public_product_clause

SPENT_KINDS = ("redeem", "capture", "void", "refund")
PURSE_KINDS = ("redeem", "void", "refund", "hold", "capture", "release")


@dataclass(frozen=True)
class Table:
    """Title and columns in the reader's language (a table is built for the page or CSV that shows it)."""
    title: str
    columns: tuple[str, ...]
    rows: list[tuple]  # the last column of money tables is cents
    money: bool = True


def _spent_rows(year: int | None = None) -> list[tuple[date, int, int]]:
    """(Paris day, shop id, signed cents) of every payable movement, optionally of one year."""
    rows = db.session.execute(
        select(Entry.created_at, Account.shop_id, Posting.amount_cents)
        .join(Posting, Posting.entry_id == Entry.id).join(Account, Account.id == Posting.account_id)
        .where(Account.kind == "shop_payable", Entry.kind.in_(SPENT_KINDS))
    ).all()
    found = [(paris_day(moment), shop_id, int(cents)) for moment, shop_id, cents in rows]
    return [row for row in found if year is None or row[0].year == year]


def main_town() -> Commune | None:
    insee = current_app.config.get("TERRITORY_MAIN_TOWN_INSEE")
    if insee:
        return db.session.get(Commune, insee)
    return db.session.scalar(select(Commune).order_by(Commune.population.desc(), Commune.insee).limit(1))


def _shops() -> dict[int, Shop]:
    return {shop.id: shop for shop in db.session.scalars(select(Shop))}


def _root(category: Category) -> Category:
    while category.parent is not None:
        category = category.parent
    return category


def by_month(year: int) -> Table:
    totals = defaultdict(int)
    for day, _, cents in _spent_rows(year):
        totals[day.month] += cents
    return Table(gettext("Dépensé par mois (%(year)s)", year=year), (gettext("Mois"), gettext("Montant")),
                 [(format_date(date(year, m, 1), "LLLL y"), totals[m]) for m in sorted(totals)])


def _per_commune(year: int) -> list[tuple[Commune, int]]:
    """(commune, cents spent there), most first."""
    shops, totals = _shops(), defaultdict(int)
    for _, shop_id, cents in _spent_rows(year):
        totals[shops[shop_id].commune] += cents
    return sorted(totals.items(), key=lambda item: (-item[1], item[0].name))


def by_commune(year: int) -> Table:
    return Table(gettext("Dépensé par commune (%(year)s)", year=year), (gettext("Commune"), gettext("Montant")),
                 [(commune.name, cents) for commune, cents in _per_commune(year)])


def commune_map(year: int) -> dict:
    """The same figures as `by_commune`, as GeoJSON points for the statistics map."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [commune.longitude, commune.latitude]},
         "properties": {"name": commune.name, "cents": cents}}
        for commune, cents in _per_commune(year) if cents > 0]}


def by_category(year: int) -> Table:
    shops, totals = _shops(), defaultdict(int)
    for _, shop_id, cents in _spent_rows(year):
        totals[_root(shops[shop_id].category).name] += cents
    return Table(gettext("Dépensé par activité (%(year)s)", year=year), (gettext("Activité"), gettext("Montant")),
                 sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def by_campaign(year: int) -> Table:
    rows = db.session.execute(
        select(Entry.created_at, Grant.campaign_id, Posting.amount_cents)
        .join(Posting, Posting.entry_id == Entry.id).join(Grant, Grant.account_id == Posting.account_id)
        .where(Entry.kind.in_(PURSE_KINDS))
    ).all()
    totals = defaultdict(int)
    for moment, campaign_id, cents in rows:
        if paris_day(moment).year == year:
            totals[campaign_id] -= int(cents)
    labels = {c.id: f"{c.employer.name} — {c.label}" for c in
              db.session.scalars(select(Campaign).where(Campaign.id.in_([i for i in totals if i])))}
    outside = gettext("Hors campagne (recharges du territoire)")
    table = [(labels.get(campaign_id, outside), cents) for campaign_id, cents in totals.items()]
    return Table(gettext("Dépensé par campagne d'entreprise (%(year)s)", year=year),
                 (gettext("Campagne"), gettext("Montant")),
                 sorted(table, key=lambda item: (-item[1], item[0])))


def unmet_searches(limit: int = 100) -> Table:
    from search.unmet import unmet_report

    rows = unmet_report(limit)
    return Table(gettext("Recherches sans résultat"),
                 (gettext("Recherche"), gettext("Nombre"), gettext("Dernière fois")),
                 [(text, count, last.strftime("%d/%m/%Y")) for text, count, last in rows], money=False)


def headline(year: int) -> dict:
    """The public figures: spent this year, in how many communes, share outside the main town."""
    shops, town = _shops(), main_town()
    spent = _spent_rows(year)
    total = sum(cents for _, _, cents in spent)
    per_commune = defaultdict(int)
    for _, shop_id, cents in spent:
        per_commune[shops[shop_id].commune_insee] += cents
    communes = sum(1 for cents in per_commune.values() if cents > 0)
    outside = total - per_commune.get(town.insee, 0) if town else total
    return {
        "year": year, "spent_cents": total, "communes": communes, "main_town": town.name if town else None,
        "outside_cents": outside, "outside_share": (outside / total) if total > 0 else None,
        "active_shops": db.session.scalar(select(func.count()).select_from(Shop).where(Shop.status == "approved")),
        "active_products": db.session.scalar(
            select(func.count()).select_from(Product).join(Shop)
            .where(public_product_clause())),
        "employers": db.session.scalar(select(func.count()).select_from(Employer)
                                       .where(Employer.status == "approved")),
    }


TABLES = {"mois": by_month, "communes": by_commune, "activites": by_category, "campagnes": by_campaign}


def table_csv(table: Table) -> str:
    """The header in the reader's language; numbers in French Excel flavour (`;`, money with a decimal
    comma, UTF-8 with BOM) whatever the language, like the other exports (marketplace/exports.py,
    which neutralises formula-like text: the search terms come from anonymous visitors)."""
    header = [*table.columns[:-1], gettext("Montant (€)")] if table.money else table.columns
    rows = [(*row[:-1], euros(row[-1])) if table.money else row for row in table.rows]
    return csv_document([header, *rows])
