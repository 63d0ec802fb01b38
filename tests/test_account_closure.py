"""A resident's personal data (RGPD): downloaded in one file, and erased when they close their
account: what goes, what stays (orders, payments, the card's balance), what must happen first, and
nothing changed by a refused or mistaken request."""
from datetime import date

import pytest
from sqlalchemy import func, select

from loyalty import cards, ledger
from loyalty.models import Card
from loyalty.queries import card_balance
from loyalty.verify import verify
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import (AuditEvent, CartItem, Order, OrderLine, OrderShop, ShopMember, StockAlert, User,
                                UserSession)
from tests import factories as f
from tests.conftest import login

EMAIL = "lucie.perrin@example.fr"
PASSWORD = "motdepasse-solide"


@pytest.fixture
def lucie(app):
    """A resident with a card holding 25 € from her employer, a cart line, a stock alert and an
    order collected last month (its sub-order kept in the shop's books)."""
    with app.app_context():
        semur = f.commune()
        shop = f.shop("Fournil", semur)
        bread = f.product(shop, "Pain de campagne", 240, stock=0)
        employer = f.employer("Laiterie", semur)
        user = f.user(EMAIL, first_name="Lucie", last_name="Perrin", home_commune_insee=semur.insee)
        db.session.add_all([CartItem(user_id=user.id, product_id=bread.id, quantity=2),
                            StockAlert(user_id=user.id, product_id=bread.id)])
        order = Order(user_id=user.id, checkout_key="k1", status="paid", total_cents=240,
                      shops=[OrderShop(shop_id=shop.id, subtotal_cents=240, status="collected", lines=[
                          OrderLine(product_id=bread.id, name="Pain de campagne", unit="la pièce",
                                    unit_price_cents=240, quantity=1)])])
        db.session.add(order)
        db.session.commit()
        ledger.fund(db.session, amount_cents=10_000, key="fund", actor="system", employer_id=employer.id)
        card = cards.create_card(db.session, active=True, holder_user_id=user.id)
        ledger.issue_grant(db.session, card_id=card.id, amount_cents=2_500, label="Noël", expires_on=date(2099, 12, 31),
                           key="grant", actor="system", employer_id=employer.id)
        return {"user": user.id, "card": card.id, "number": card.number, "shop": shop.id, "order": order.id}


def test_a_resident_downloads_what_halle_holds_about_her(app, client, lucie):
    assert client.get("/compte/mes-donnees.json").status_code in (302, 401)  # signed in only
    login(client, EMAIL)
    assert "/compte/mes-donnees.json" in client.get("/compte/profil").get_data(as_text=True)
    answer = client.get("/compte/mes-donnees.json")
    assert answer.mimetype == "application/json" and "attachment" in answer.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == "no-store"
    data = answer.get_json()
    assert data["account"]["email"] == EMAIL and data["account"]["last_name"] == "Perrin"
    assert data["account"]["home_commune"] == "Semur-en-Auxois"
    [card] = data["cards"]
    assert card["number"] == lucie["number"] and card["balance"] == {"cents": 2_500, "euros": "25.00"}
    assert [(m["what"], m["amount"]["cents"]) for m in card["movements"]] == [("Crédit reçu", 2_500)]
    [order] = data["orders"]
    assert order["reference"] == f"H{lucie['order']:06d}" and order["shops"][0]["shop"] == "Fournil"
    assert order["shops"][0]["lines"] == [{"product": "Pain de campagne", "unit": "la pièce", "quantity": 1,
                                           "unit_price": {"cents": 240, "euros": "2.40"}}]
    assert data["awaited_products"] == ["Pain de campagne"] and data["teams"] == []


def _close(client, password=PASSWORD, confirm="y"):
    data = {"current_password": password}
    if confirm:
        data["confirm"] = confirm
    return client.post("/compte/fermer", data=data)


def test_a_resident_closes_the_account_and_the_card_keeps_its_balance(app, client, lucie):
    login(client, EMAIL)
    page = client.get("/compte/fermer").get_data(as_text=True)
    assert cards.grouped_number(lucie["number"]) in page and "25,00\xa0€" in page  # to be noted down first
    assert "/compte/fermer" in client.get("/compte/profil").get_data(as_text=True)

    for answer, message in ((_close(client, password="pas-le-bon"), "Mot de passe incorrect."),
                            (_close(client, confirm=None), "Cochez la case pour confirmer.")):
        assert answer.status_code == 400 and message in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, lucie["user"]).email == EMAIL  # nothing changed

    closed = _close(client)
    assert closed.status_code == 302 and closed.headers["Location"].endswith("/")
    assert "Votre compte est fermé" in client.get("/").get_data(as_text=True)
    assert client.get("/compte/").status_code in (302, 401)  # this browser is logged out
    with app.app_context():
        user = db.session.get(User, lucie["user"])
        assert EMAIL not in user.email and user.email.endswith("@compte-ferme.invalid")
        assert (user.first_name, user.last_name, user.home_commune_insee, user.is_active) == ("", "", None, False)
        for model in (CartItem, StockAlert, UserSession):
            assert db.session.scalar(select(func.count()).select_from(model).filter_by(user_id=user.id)) == 0
        card = db.session.get(Card, lucie["card"])
        assert card.holder_user_id is None and card.status == "active"
        assert card_balance(db.session, card.id) == 2_500  # still pays, by its number or QR code
        order = db.session.get(Order, lucie["order"])
        assert (order.user_id, order.total_cents) == (user.id, 240)  # the shop's books keep the sale
        assert order.user.display_name == "compte fermé"  # as its order board names the buyer now
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.close"))
        assert EMAIL not in f"{event.actor} {event.summary}" and "Perrin" not in event.summary
        assert verify(db.session) == []
        [mail] = [m for m in outbox() if m["To"] == EMAIL]
        assert mail["Subject"] == "Votre compte Halle est fermé" and "garde son solde" in mail.get_content()
    # Nobody logs in with it any more; the address is free for a new account.
    assert login(client, EMAIL).status_code == 200
    signed_up = client.post("/inscription", data={"email": EMAIL, "password": "une-phrase-solide",
                                                  "password_confirm": "une-phrase-solide"})
    assert signed_up.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == EMAIL)) != lucie["user"]


def test_closing_waits_for_what_would_be_left_stranded(app, client, lucie):
    """An order still at the shop, the only owner of a shop, the only HR person, an administrator:
    the page says what to do first, and a post changes nothing."""
    with app.app_context():
        user = db.session.get(User, lucie["user"])
        semur = user.home_commune
        order = Order(user_id=user.id, checkout_key="k2", status="paid", total_cents=480,
                      shops=[OrderShop(shop_id=lucie["shop"], subtotal_cents=480, status="ready")])
        shop = f.shop("Épicerie Perrin", semur)
        f.shop_member(shop, user, "owner")
        f.employer_member(f.employer("Forges", semur), user)
        user.is_admin = True
        db.session.add(order)
        db.session.commit()
    login(client, EMAIL)
    page = client.get("/compte/fermer").get_data(as_text=True).replace("&#39;", "'")
    for reason in ("Vous êtes administrateur du territoire", "Vous êtes le seul propriétaire de Épicerie Perrin",
                   "Vous êtes la seule personne de l'espace RH de Forges",
                   "1 commande est encore en préparation ou à retirer"):
        assert reason in page, reason
    assert 'data-testid="close-account"' not in page
    assert _close(client).status_code == 400
    with app.app_context():
        assert db.session.get(User, lucie["user"]).email == EMAIL


def test_a_co_owner_leaves_the_team_and_the_shop_keeps_its_other_owner(app, client, lucie):
    with app.app_context():
        user = db.session.get(User, lucie["user"])
        shop = f.shop("Épicerie Perrin", user.home_commune)
        f.shop_member(shop, user, "owner")
        f.shop_member(shop, f.user("marc@example.fr"), "owner")
        db.session.commit()
        shop_id = shop.id
    login(client, EMAIL)
    assert client.get("/compte/mes-donnees.json").get_json()["teams"] == [
        {"kind": "shop", "name": "Épicerie Perrin", "role": "owner"}]
    assert _close(client).status_code == 302
    with app.app_context():
        owners = db.session.scalars(select(ShopMember).where(ShopMember.shop_id == shop_id)).all()
        assert [member.user.email for member in owners] == ["marc@example.fr"]


def test_the_audit_log_keeps_what_a_closed_account_did_under_its_number(app, client, lucie):
    """Its address leaves the events' actor and summaries; another address that merely contains it
    (« a.lucie.perrin@… ») is someone else's and stays."""
    from marketplace import audit

    with app.app_context():
        user = db.session.get(User, lucie["user"])
        audit.record("shop.update", None, actor=user, summary="Horaires changés")
        audit.record("counter.add_seller", None, actor=audit.SYSTEM, summary=f"Vendeur ajouté : {EMAIL}")
        audit.record("counter.add_seller", None, actor=audit.SYSTEM, summary=f"Vendeur ajouté : a.{EMAIL}")
        db.session.commit()
    login(client, EMAIL)
    assert _close(client).status_code == 302
    with app.app_context():
        events = {e.summary: e.actor for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action != "account.close"))}
    alias = f"compte n° {lucie['user']} (fermé)"
    assert events == {"Horaires changés": alias, f"Vendeur ajouté : {alias}": "system",
                      f"Vendeur ajouté : a.{EMAIL}": "system"}
