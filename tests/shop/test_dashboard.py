"""A shop's dashboard says what waits for its team today, each line leading to where it is done,
tells the owner the next transfer of the card's money, and shows what residents search for and
nobody sells."""
import html
import re
from datetime import date, timedelta

from loyalty import cards, ledger
from marketplace import settings
from marketplace.extensions import db
from marketplace.models import CatalogueFeed, CatalogueFeedRun, Commune, Order, OrderShop, Product, Shop, User
from marketplace.models.base import utcnow
from tests import factories as f
from tests.conftest import login


def _waiting(client, shop_id: int) -> str:
    """The dashboard's text, as read (tags dropped, spaces collapsed), and its links as `href=…`."""
    page = html.unescape(client.get(f"/boutique/{shop_id}/").get_data(as_text=True))
    links = " ".join(f"href={href}" for href in re.findall(r'href="([^"]+)"', page))
    return re.sub(r"[ \n]+", " ", re.sub(r"<[^>]+>", " ", page)).replace(" ,", ",") + links


def test_the_dashboard_lists_what_waits_and_nothing_when_nothing_does(app, shop_world, client):
    bakery = shop_world["bakery"]
    login(client, shop_world["emails"]["staff"])
    page = _waiting(client, bakery)
    assert "Rien ne vous attend : aucune commande à traiter, aucun produit épuisé." in page
    assert "Carte du territoire aujourd'hui : aucun paiement" in page
    assert "Prochain virement" not in page  # the IBAN and the money are the owner's

    with app.app_context():
        resident = db.session.query(User).filter_by(email=shop_world["emails"]["resident"]).one()
        for n, status in enumerate(("paid", "paid", "accepted", "ready", "collected", "pending_payment")):
            order = Order(user_id=resident.id, checkout_key=f"k{n}", status="paid", total_cents=500)
            db.session.add(order)
            db.session.flush()
            db.session.add(OrderShop(order_id=order.id, shop_id=bakery, status=status, subtotal_cents=500))
        f.product(db.session.get(Product, shop_world["bread"]).shop, "Brioche", 450, stock=0)
        f.product(db.session.get(Product, shop_world["bread"]).shop, "Fougasse", 450, stock=0, active=False)
        feed = CatalogueFeed(shop_id=bakery, url="https://example.fr/catalogue.csv", status="active")
        db.session.add(feed)
        db.session.flush()
        db.session.add(CatalogueFeedRun(feed_id=feed.id, status="failed", error="HTTP 404"))
        db.session.commit()
        card = cards.create_card(db.session, active=True)
        ledger.fund(db.session, amount_cents=5_000, key="fund", actor="test")
        ledger.issue_grant(db.session, card_id=card.id, amount_cents=5_000, label="Noël", expires_on=date(2099, 12, 31),
                           key="grant", actor="test")
        ledger.redeem(db.session, card_id=card.id, shop_id=bakery, amount_cents=1_250, key="pay", actor="till")
        mistake = ledger.redeem(db.session, card_id=card.id, shop_id=bakery, amount_cents=900, key="oops",
                                actor="till")
        ledger.void(db.session, redemption_id=mistake.entry_id, shop_id=bakery, key="void", actor="till")

    page = _waiting(client, bakery)
    assert "Rien ne vous attend" not in page
    for line in ("2 commandes à accepter ou refuser", "1 commande à préparer", "1 commande prête, pas encore retirée",
                 "1 produit en ligne épuisé",
                 "1 flux de catalogue en échec (dernière lecture)"):
        assert line in page, line
    assert f"href=/boutique/{bakery}/commandes" in page
    assert f"href=/boutique/{bakery}/produits?tri=stock" in page
    assert f"href=/boutique/{bakery}/flux" in page
    assert "Carte du territoire aujourd'hui : 1 paiement, 12,50\xa0€" in page


def test_the_owner_sees_the_next_transfer_and_a_missing_iban(app, shop_world, client):
    with app.app_context():
        settings.update_card_settings(card_prefix="9250", commission_bps="0", pin_required_above="",
                                      pin_lock_minutes="30", settlement_cadence="weekly", actor=None)
        card = cards.create_card(db.session, active=True)
        ledger.fund(db.session, amount_cents=5_000, key="fund", actor="test")
        ledger.issue_grant(db.session, card_id=card.id, amount_cents=5_000, label="Noël", expires_on=date(2099, 12, 31),
                           key="grant", actor="test")
        card_id = card.id
    login(client, shop_world["emails"]["owner"])
    assert "Aucun paiement par carte à vous reverser pour l'instant." in _waiting(client, shop_world["bakery"])
    with app.app_context():
        for shop_id, key in ((shop_world["bakery"], "a"), (shop_world["cheese"], "b")):
            ledger.redeem(db.session, card_id=card_id, shop_id=shop_id, amount_cents=2_000, key=key, actor="till")
    page = _waiting(client, shop_world["bakery"])
    assert "Prochain virement de la carte : 20,00\xa0€, demandé à la banque le" in page
    assert "Votre IBAN manque" not in page
    login(client, shop_world["emails"]["other"])  # the cheese shop's owner gave no IBAN
    page = _waiting(client, shop_world["cheese"])
    assert "Prochain virement de la carte : 20,00\xa0€" in page
    assert "Votre IBAN manque ou n'est pas valable : le virement attendra." in page


def test_the_dashboard_shows_what_residents_searched_for_often_and_nobody_sells(app, shop_world, client):
    import search
    from search.models import UnmetSearch

    long_ago = utcnow() - timedelta(days=40)
    with app.app_context():
        searches = (["galette des rois"] * 2 + ["Galette des Rois"] + ["cidre brut"] * 2  # twice: left out
                    + ["pain de campagne"] * 4)  # sold since: the baker's bread is found now
        db.session.add_all(UnmetSearch(text=text) for text in searches)
        db.session.add_all(UnmetSearch(text="truffe noire", created_at=long_ago) for _ in range(5))
        db.session.commit()
        search.rebuild()
    login(client, shop_world["emails"]["staff"])
    page = _waiting(client, shop_world["bakery"])
    assert "Ce que les habitants cherchent sans le trouver" in page
    assert "galette des rois · 3 recherches" in page
    for absent in ("cidre brut", "pain de campagne ·", "truffe noire"):
        assert absent not in page, absent


def test_the_owner_gets_the_week_on_monday_once_unless_turned_off_or_nothing_happened(app, shop_world, client):
    from datetime import UTC, datetime

    from marketplace import periodic, shop_overview
    from marketplace.mail import outbox

    monday = date(2026, 11, 30)
    with app.app_context():
        card = cards.create_card(db.session, active=True)
        ledger.fund(db.session, amount_cents=10_000, key="fund", actor="test")
        ledger.issue_grant(db.session, card_id=card.id, amount_cents=10_000, label="Noël",
                           expires_on=date(2099, 12, 31), key="grant", actor="test",
                           now=datetime(2026, 11, 20, 9, tzinfo=UTC))
        for key, day, cents in (("tue", 24, 1_250), ("sat", 28, 3_000), ("before", 22, 999), ("today", 30, 777)):
            ledger.redeem(db.session, card_id=card.id, shop_id=shop_world["bakery"], amount_cents=cents, key=key,
                          actor="till", now=datetime(2026, 11, day, 10, tzinfo=UTC))
        f.product(db.session.get(Product, shop_world["bread"]).shop, "Brioche", 450, stock=0)
        resident = db.session.query(User).filter_by(email=shop_world["emails"]["resident"]).one()
        order = Order(user_id=resident.id, checkout_key="week", status="paid", total_cents=1_800,
                      paid_at=datetime(2026, 11, 25, 17))
        db.session.add(order)
        db.session.flush()
        db.session.add(OrderShop(order_id=order.id, shop_id=shop_world["bakery"], status="collected",
                                 subtotal_cents=1_800))
        db.session.commit()
        outbox().clear()
        assert shop_overview.send_weekly_summaries(today=monday) == 1  # the cheese shop's week brought nothing
        [message] = outbox()
        assert (message["To"], message["Subject"]) == (shop_world["emails"]["owner"],
                                                      "Votre semaine sur Halle : Boulangerie Moreau")
        body = message.get_content()
        for line in ("Du 23/11/2026 au 29/11/2026, chez Boulangerie Moreau :",
                     "- Carte du territoire : 2 paiements, 42,50\xa0€",
                     "- Commandes en ligne reçues : 1, 18,00\xa0€",
                     "- 1 produit en ligne épuisé\n",  # nobody waits for it: no "attendu par 0 habitant"
                     f"http://localhost/boutique/{shop_world['bakery']}/parametres"):
            assert line in body, line
        outbox().clear()
        assert (periodic.send_weekly_summaries, "0 7 * * 1") in [(job, cron) for job, _, _, cron in periodic.PERIODIC]
        assert shop_overview.send_weekly_summaries(today=monday) == 0 and outbox() == []  # once a week

    login(client, shop_world["emails"]["owner"])
    form = client.get(f"/boutique/{shop_world['bakery']}/parametres").get_data(as_text=True)
    assert 'name="weekly_summary"' in form and "Recevoir chaque lundi le résumé de la semaine" in form
    with app.app_context():
        db.session.get(Product, shop_world["bread"]).shop.weekly_summary = False  # the box unticked
        db.session.commit()
        assert shop_overview.send_weekly_summaries(today=date(2026, 12, 7)) == 0 and outbox() == []


def test_a_business_without_a_catalogue_gets_no_catalogue_tools(app, shop_world, client):
    """A services business (a plumber, a workshop) is not offered products, imports, feeds nor the
    searches nobody sells; a shop that sells products keeps them all."""
    from search.models import UnmetSearch

    with app.app_context():
        db.session.add_all(UnmetSearch(text="galette des rois") for _ in range(3))
        workshop = f.shop("Atelier Girard", db.session.get(Commune, shop_world["semur"]), kind="services",
                          services="Usinage")
        f.shop_member(workshop, db.session.scalar(db.select(User).filter_by(email=shop_world["emails"]["owner"])),
                      "owner")
        db.session.commit()
        workshop_id = workshop.id
    login(client, shop_world["emails"]["owner"])
    tools = ("/produits", "/import", "/flux", "produit en ligne", "Ajouter un produit", "Importer mon tableur",
             "Ce que les habitants cherchent sans le trouver")
    page = _waiting(client, workshop_id)
    for tool in tools:
        assert tool not in page, tool
    assert "Ouvrir la caisse" in page and "/consigne" in page
    bakery = _waiting(client, shop_world["bakery"])
    for tool in tools:
        assert tool in bakery, tool


def test_the_monday_mail_of_a_business_without_a_catalogue_leaves_out_the_unmet_searches(app, shop_world):
    from types import SimpleNamespace

    from marketplace import shop_overview

    with app.app_context():
        workshop = f.shop("Atelier Girard", db.session.get(Commune, shop_world["semur"]), kind="services",
                          services="Usinage")
        bakery = db.session.get(Shop, shop_world["bakery"])
        db.session.commit()
        monday = date(2026, 11, 23)
        week = shop_overview.ShopWeek(monday, monday + timedelta(days=6), card_count=2, card_cents=4250,
                                      orders=0, orders_cents=0)
        wanted = [SimpleNamespace(text="galette des rois", count=4)]
        lines = {shop.name: " ".join(map(str, shop_overview.summary_lines(
            shop, week, shop_overview.overview(shop, owner=True), wanted))) for shop in (workshop, bakery)}
    assert "2 paiements" in lines["Atelier Girard"] and "galette des rois" not in lines["Atelier Girard"]
    assert "galette des rois (4)" in lines["Boulangerie Moreau"]


def test_a_business_without_a_catalogue_is_not_told_about_stock_and_its_two_links_are_apart(app, shop_world, client):
    """A services business (no catalogue) is told of no sold-out product nor feed, even one left from
    before; its owner's « Le corriger » and « Relevés de règlement » read as two links."""
    with app.app_context():
        settings.update_card_settings(card_prefix="9250", commission_bps="0", pin_required_above="",
                                      pin_lock_minutes="30", settlement_cadence="weekly", actor=None)
        cheese = db.session.get(Shop, shop_world["cheese"])  # its owner gave no IBAN
        cheese.kind = "services"
        f.product(cheese, "Reblochon", 650, stock=0)
        feed = CatalogueFeed(shop_id=cheese.id, url="https://example.fr/catalogue.csv", status="active")
        db.session.add(feed)
        db.session.flush()
        db.session.add(CatalogueFeedRun(feed_id=feed.id, status="failed", error="HTTP 404"))
        db.session.commit()
    login(client, shop_world["emails"]["other"])
    page = _waiting(client, shop_world["cheese"])
    assert "Rien ne vous attend : aucune commande à traiter." in page
    assert "épuisé" not in page and "flux de catalogue" not in page
    assert "Le corriger · Relevés de règlement" in page
