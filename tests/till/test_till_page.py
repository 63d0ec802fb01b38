import re

from loyalty.cards import block_card, luhn_check_digit
from loyalty.verify import verify
from loyalty.models import Card, Entry
from loyalty.queries import card_balance
from marketplace.extensions import db
from marketplace.mail import outbox
from tests.conftest import login
from tests.till.conftest import card_number, new_funded_card


UNKNOWN_CARD = "925000000000000" + luhn_check_digit("925000000000000")
REFUSED = "Carte refusée : numéro inconnu, code PIN manquant ou erroné, ou carte inutilisable pour le moment."


def grouped(number: str) -> str:
    return " ".join(number[i:i + 4] for i in range(0, 16, 4))


def pay(client, shop_id, card, amount, key="k1", **extra):
    return client.post(f"/caisse/{shop_id}/", data={"card": card, "amount": amount, "key": key, **extra})


def balance(app, card_id):
    with app.app_context():
        return card_balance(db.session, card_id)


def assert_ledger_ok(app):
    with app.app_context():
        assert verify(db.session) == []


def test_cashier_takes_a_payment_and_sees_the_balance(app, client, till):
    login(client, "cashier@example.fr")
    response = pay(client, till["shop"], grouped(card_number(app, till["card"])), "12,50")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="taken">12,50\xa0€<' in page
    assert 'data-testid="balance-after">87,50\xa0€<' in page
    assert re.search(r'data-testid="reference">R-\d+<', page)
    assert balance(app, till["card"]) == 8750
    assert_ledger_ok(app)


def test_the_receipt_shows_what_the_card_can_still_pay_in_this_shop(app, client, till):
    """A grant for clothes only is on the card too: the bakery's cashier sees what the card can pay
    at the bakery, not a total that includes credit the bakery cannot take."""
    from datetime import date, timedelta

    from loyalty import ledger

    with app.app_context():
        ledger.fund(db.session, amount_cents=5000, key="fund:clothes", actor="system")
        ledger.issue_grant(db.session, card_id=till["card"], amount_cents=5000, label="Rentrée",
                           expires_on=date.today() + timedelta(days=90), key="grant:clothes", actor="system",
                           expiry_policy="territory", allowed_categories=["vetements"])
    login(client, "cashier@example.fr")
    response = pay(client, till["shop"], card_number(app, till["card"]), "12,50")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Encore utilisable dans ce commerce" in page
    assert 'data-testid="balance-after">87,50\xa0€<' in page
    assert "137,50" not in page
    assert balance(app, till["card"]) == 13_750


def test_a_double_tap_charges_once(app, client, till):
    login(client, "cashier@example.fr")
    number = card_number(app, till["card"])
    first = pay(client, till["shop"], number, "10", key="same-form")
    second = pay(client, till["shop"], number, "10", key="same-form")
    assert first.headers["Location"] == second.headers["Location"]
    assert balance(app, till["card"]) == 9000


def test_partial_payment_needs_confirmation(app, client, till):
    login(client, "cashier@example.fr")
    number = card_number(app, till["card"])
    page = pay(client, till["shop"], number, "130,00").get_data(as_text=True)
    assert 'data-testid="partial-takes">100,00\xa0€<' in page
    assert 'data-testid="partial-rest">30,00\xa0€<' in page
    assert balance(app, till["card"]) == 10_000  # nothing taken before confirmation
    response = pay(client, till["shop"], number, "130,00", accept_partial="1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="taken">100,00\xa0€<' in page and 'data-testid="rest">30,00\xa0€<' in page
    assert balance(app, till["card"]) == 0


def test_invalid_inputs_name_the_field_and_take_nothing(app, client, till):
    login(client, "cashier@example.fr")
    number = card_number(app, till["card"])
    bad_luhn = number[:-1] + str((int(number[-1]) + 1) % 10)
    page = pay(client, till["shop"], bad_luhn, "5").get_data(as_text=True)
    assert "Numéro de carte invalide" in page
    page = pay(client, till["shop"], number, "douze").get_data(as_text=True)
    assert "Montant invalide" in page
    page = pay(client, till["shop"], number, "-3").get_data(as_text=True)
    assert "Montant invalide" in page
    for too_much in ("99999999999", "1000000,01"):  # what the POS API takes at most, the till too
        page = pay(client, till["shop"], number, too_much).get_data(as_text=True).replace("\u202f", " ")
        assert "Montant : 1 000 000,00" in page and "au plus." in page and "Montant invalide" not in page
    page = pay(client, till["shop"], UNKNOWN_CARD, "5").get_data(as_text=True)
    assert REFUSED in page
    assert balance(app, till["card"]) == 10_000


def test_the_till_gives_one_refusal_for_unknown_cards_wrong_or_locked_pins_and_blocked_cards(app, client, till):
    with app.app_context():
        card_id = new_funded_card(5000, holder_user_id=till["holder"], pin="4321", key_suffix="pin")
        blocked = new_funded_card(5000, key_suffix="blocked")
        block_card(db.session, blocked)
    login(client, "cashier@example.fr")
    number = card_number(app, card_id)
    pages = [pay(client, till["shop"], UNKNOWN_CARD, "5", key="u"),
             pay(client, till["shop"], UNKNOWN_CARD, "5", key="up", pin="4321"),
             pay(client, till["shop"], number, "5", key="a")]
    pages += [pay(client, till["shop"], number, "5", key=f"w{attempt}", pin="0000") for attempt in range(5)]
    pages += [pay(client, till["shop"], number, "5", key="locked", pin="4321"),
              pay(client, till["shop"], card_number(app, blocked), "5", key="b")]
    for response in pages:
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and REFUSED in page and 'name="pin"' in page
        for telling in ("Carte inconnue", "erroné :", "essai", "verrouillé", "bloquée", "solde", "Solde"):
            assert telling not in page, telling
    with app.app_context():
        card = db.session.get(Card, card_id)
        assert card.status == "active" and card.pin_locked_until is not None
        assert outbox()[-1]["To"] == "holder@example.fr"
    assert balance(app, card_id) == 5000


def test_right_pin_pays(app, client, till):
    with app.app_context():
        card_id = new_funded_card(5000, pin="4321", key_suffix="pin")
    login(client, "cashier@example.fr")
    till_page = client.get(f"/caisse/{till['shop']}/").get_data(as_text=True)
    # The PIN is typed with the number, the first time: no refusal needed to show its field.
    assert 'name="pin"' in till_page and "Si la carte en a un : le client le tape ou vous le dit." in till_page
    response = pay(client, till["shop"], card_number(app, card_id), "5", pin="4321")
    assert response.status_code == 302
    assert balance(app, card_id) == 4500


def test_void_today_restores_the_card_once(app, client, till):
    login(client, "cashier@example.fr")
    receipt = pay(client, till["shop"], card_number(app, till["card"]), "20").headers["Location"]
    entry_id = int(receipt.split("/")[-1].split("?")[0])
    page = client.post(f"/caisse/{till['shop']}/paiements/{entry_id}/annuler", data={"reason": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "Indiquez pourquoi" in page
    client.post(f"/caisse/{till['shop']}/paiements/{entry_id}/annuler",
                data={"reason": "Erreur de montant", "key": "v1"})
    assert balance(app, till["card"]) == 10_000
    page = client.post(f"/caisse/{till['shop']}/paiements/{entry_id}/annuler",
                       data={"reason": "encore", "key": "v2"}, follow_redirects=True).get_data(as_text=True)
    assert "déjà été annulé" in page
    assert balance(app, till["card"]) == 10_000
    with app.app_context():
        assert db.session.scalar(db.select(Entry.memo).where(Entry.voided_entry_id == entry_id)) == "Erreur de montant"
    assert_ledger_ok(app)


def test_partial_refund(app, client, till):
    login(client, "cashier@example.fr")
    receipt = pay(client, till["shop"], card_number(app, till["card"]), "30").headers["Location"]
    entry_id = int(receipt.split("/")[-1].split("?")[0])
    client.post(f"/caisse/{till['shop']}/paiements/{entry_id}/rembourser", data={"amount": "4,90", "key": "r1"})
    assert balance(app, till["card"]) == 7490
    page = client.post(f"/caisse/{till['shop']}/paiements/{entry_id}/rembourser",
                       data={"amount": "30", "key": "r2"}, follow_redirects=True).get_data(as_text=True)
    assert "peuvent encore être remboursés" in page
    assert balance(app, till["card"]) == 7490
    assert_ledger_ok(app)


def test_day_report_totals_per_cashier(app, client, till):
    login(client, "cashier@example.fr")
    number = card_number(app, till["card"])
    pay(client, till["shop"], number, "10", key="c1")
    owner = app.test_client()
    login(owner, "owner@example.fr")
    pay(owner, till["shop"], number, "2,50", key="o1")
    page = owner.get(f"/caisse/{till['shop']}/jour").get_data(as_text=True)
    assert 'data-testid="day-total">12,50\xa0€<' in page
    assert "cashier@example.fr : <strong>10,00\xa0€</strong>" in page
    till_page = client.get(f"/caisse/{till['shop']}/").get_data(as_text=True)
    assert 'data-testid="my-total">10,00\xa0€<' in till_page
    assert 'data-testid="shop-total">12,50\xa0€<' in till_page
    history = owner.get(f"/caisse/{till['shop']}/historique").get_data(as_text=True)
    assert "12,50" in history
    assert client.get(f"/caisse/{till['shop']}/historique").status_code == 403  # owner only
    for query, said in (("du=31/02/2026", "Date de début : le 31/02/2026 n&#39;existe pas dans le calendrier."),
                        ("au=demain", "Date de fin : « demain » n&#39;est pas une date (jj/mm/aaaa)."),
                        ("du=2026-03-02&au=2026-03-01", "la date de début doit précéder la date de fin")):
        page = owner.get(f"/caisse/{till['shop']}/historique?{query}", follow_redirects=True).get_data(as_text=True)
        assert said in page, query
    bad = owner.get(f"/caisse/{till['shop']}/historique?du=31/02/2026").get_data(as_text=True)
    assert "précéder" not in bad


def test_the_card_field_s_live_status_and_a_till_software_read_in_the_cashier_s_language(app, client, till):
    from tests.till.test_pos_api import api_key, headers, redeem

    key = api_key(app, till["shop"])
    redeem(client, key, {"card": card_number(app, till["card"]), "amount_cents": 300})
    login(client, "owner@example.fr")
    french = client.get(f"/caisse/{till['shop']}/").get_data(as_text=True)
    assert 'data-valid="Numéro valide"' in french and 'data-remaining="chiffres restants"' in french
    assert "Logiciel de caisse « Caisse »" in client.get(f"/caisse/{till['shop']}/jour").get_data(as_text=True)
    english = client.get(f"/caisse/{till['shop']}/?lang=en").get_data(as_text=True)
    assert 'data-valid="Valid number"' in english and 'data-invalid="Invalid number: check what you typed"' in english
    assert "Till software “Caisse”" in client.get(f"/caisse/{till['shop']}/jour").get_data(as_text=True)


def test_another_shops_cashier_cannot_see_or_void_a_payment(app, client, till):
    login(client, "cashier@example.fr")
    receipt = pay(client, till["shop"], card_number(app, till["card"]), "20").headers["Location"]
    entry_id = int(receipt.split("/")[-1].split("?")[0])
    other = app.test_client()
    login(other, "other@example.fr")
    assert other.get(receipt).status_code == 403
    # Through their own shop's URL, the payment does not exist.
    assert other.get(f"/caisse/{till['other_shop']}/paiements/{entry_id}").status_code == 404
    assert other.post(f"/caisse/{till['other_shop']}/paiements/{entry_id}/annuler",
                      data={"reason": "x"}).status_code == 404
    assert balance(app, till["card"]) == 8000


def test_card_lookups_are_rate_limited(app, client, till):
    login(client, "cashier@example.fr")
    codes = [pay(client, till["shop"], UNKNOWN_CARD, "1", key=f"x{i}").status_code for i in range(32)]
    assert codes[:30] == [200] * 30 and codes[-1] == 429
