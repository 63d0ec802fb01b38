"""Gift cards bought online and top-ups: paid on localstripe, credited once whatever arrives
first (return page, webhook, both, twice), emailed to the recipient on their day, refunded to the
buyer never beyond what is left unspent."""
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from loyalty import accounts, ledger
from loyalty.clock import paris_day, utc_now
from loyalty.errors import PinRequired
from loyalty.models import Card, Entry, Grant
from loyalty.queries import card_balance
from marketplace import gift_cards, mail, payments
from marketplace.extensions import db
from marketplace.models import CreditPurchase, CreditPurchaseItem
from tests.conftest import login
from tests.employer.test_stripe_funding import signed


def today():
    """The territory's day now (Paris), read when used: a run may cross midnight in Paris."""
    return paris_day(utc_now())


def order_form(client, cards, buyer=("Jeanne Martin", "jeanne@example.fr"), token=None):
    """Post the gift order form; `cards`: (euros, name, email, message, day) tuples."""
    page = client.get("/carte-cadeau")
    assert page.status_code == 200
    token = token or re.search(r'name="form_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    data = {"form_token": token, "buyer_name": buyer[0], "buyer_email": buyer[1], "submit": "1"}
    for n, (euros, name, email, message, day) in enumerate(cards):
        data.update({f"cards-{n}-amount": euros, f"cards-{n}-recipient_name": name,
                     f"cards-{n}-recipient_email": email, f"cards-{n}-message": message,
                     f"cards-{n}-deliver_on": day.isoformat()})
    return client.post("/carte-cadeau", data=data), token


def pay(client, location):
    """Open the payment page, pay with the test card, come back: the receipt page's path."""
    token = location.rstrip("/").split("/")[-2]
    page = client.get(f"/carte-cadeau/achat/{token}/paiement")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/js.stripe.com/v3/" in html and 'data-publishable-key="pk_test_halle"' in html
    for body in (["pm_card_visa"], "pm_card_visa", True):  # a body that is not an object: the 400, not a 500
        assert client.post(f"/carte-cadeau/achat/{token}/paiement", json=body).status_code == 400
    answer = client.post(f"/carte-cadeau/achat/{token}/paiement", json={"payment_method": "pm_card_visa"})
    assert answer.get_json()["status"] == "succeeded"
    back = client.get(f"/carte-cadeau/achat/{token}/retour")
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/carte-cadeau/achat/{token}")
    return token


def buy_two(client):
    later = today() + timedelta(days=10)
    answer, form_token = order_form(client, [("30", "Paul Martin", "paul@example.fr", "Joyeux anniversaire !", today()),
                                             ("25,50", "Léa Martin", "lea@example.fr", "", later)])
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return pay(client, answer.headers["Location"]), form_token


def _entries(kind):
    return db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == kind))


def _stripe_balance():
    balance = accounts.territory_account(db.session, accounts.STRIPE_CLEARING).balance_cents
    db.session.commit()
    return balance


def _gift_mails(app, to):
    with app.app_context():
        return [m for m in mail.outbox() if m["To"] == to]


def test_anyone_buys_two_gift_cards_credited_once(stripe_app, gift_world, client):
    token, form_token = buy_two(client)
    with stripe_app.app_context():
        purchase = gift_cards.purchase_by_token(token)
        assert purchase.status == "paid" and purchase.amount_cents == 5_550 and purchase.buyer_user_id is None
        items = purchase.items
        assert [i.amount_cents for i in items] == [3_000, 2_550]
        for item in items:
            card = db.session.get(Card, item.card_id)
            assert card.status == "active" and card.holder_user_id is None
            [grant] = card.grants
            assert grant.label == "Cadeau de Jeanne Martin" and grant.expiry_policy == "territory"
            assert grant.funder_account.code == accounts.STRIPE_CLEARING
            expected = today().replace(year=today().year + 1) if not (today().month == 2 and today().day == 29) else None
            assert expected is None or grant.expires_on == expected
            assert card_balance(db.session, card.id) == item.amount_cents
        assert _entries("issue") == 2 and _stripe_balance() == -5_550
        intent = payments.retrieve_payment_intent(purchase.stripe_payment_intent_id)
    # The webhook of the same payment (twice), the return page again, the same form again: nothing more.
    event = {"id": "evt_gift_1", "object": "event", "type": "payment_intent.succeeded",
             "data": {"object": intent.to_dict()}}
    for _ in range(2):
        body, signature = signed(event)
        assert client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature},
                           content_type="application/json").status_code == 200
    client.get(f"/carte-cadeau/achat/{token}/retour")
    again, _ = order_form(client, [("30", "Paul Martin", "paul@example.fr", "", today())], token=form_token)
    assert again.headers["Location"].endswith(f"/carte-cadeau/achat/{token}/paiement")
    assert client.get(again.headers["Location"]).headers["Location"].endswith(f"/carte-cadeau/achat/{token}")
    with stripe_app.app_context():
        assert _entries("issue") == 2 and _stripe_balance() == -5_550
        assert db.session.scalar(select(func.count()).select_from(CreditPurchase)) == 1
    receipt = client.get(f"/carte-cadeau/achat/{token}").get_data(as_text=True)
    assert "55,50" in receipt and "Paul Martin" in receipt and "Léa Martin" in receipt
    [buyer_mail] = _gift_mails(stripe_app, "jeanne@example.fr")
    assert "55,50" in buyer_mail.get_content() and f"/carte-cadeau/achat/{token}" in buyer_mail.get_content()


def test_the_recipient_is_emailed_on_their_day_once_and_pays_at_a_shop(stripe_app, gift_world, client):
    token, _ = buy_two(client)
    # Paul's day is today: emailed at payment, with the number, a PIN, the link and the PDF.
    [paul] = _gift_mails(stripe_app, "paul@example.fr")
    assert _gift_mails(stripe_app, "lea@example.fr") == []
    body = paul.get_body(("plain",)).get_content()
    assert "Jeanne Martin vous offre une carte cadeau de 30,00" in body and "Joyeux anniversaire !" in body
    [attachment] = list(paul.iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_content().startswith(b"%PDF")
    number = re.search(r"Numéro de la carte : ([\d ]+)", body).group(1).replace(" ", "")
    pin = re.search(r"Code PIN .*: (\d{4})", body).group(1)
    link = re.search(r"(/carte-cadeau/carte/\S+)", body).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "data:image/svg+xml;base64," in page.get_data(as_text=True)
    pdf = client.get(f"{link}/carte.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get(link[:-3] + "xyz").status_code == 404
    with stripe_app.app_context():
        # The job on the same day sends nothing more; on Léa's day it sends hers, once.
        assert gift_cards.deliver_due() == 0
        assert gift_cards.deliver_due(today=today() + timedelta(days=9)) == 0
        assert gift_cards.deliver_due(today=today() + timedelta(days=10)) == 1
        assert gift_cards.deliver_due(today=today() + timedelta(days=11)) == 0
        card = db.session.scalar(select(Card).where(Card.number == number))
        with pytest.raises(PinRequired):  # a gift card asks its PIN until its holder registers it
            ledger.redeem(db.session, card_id=card.id, shop_id=gift_world["shop"], amount_cents=1_000, key="r0",
                          actor="test")
        paid = ledger.redeem(db.session, card_id=card.id, shop_id=gift_world["shop"], amount_cents=1_000, key="r1",
                             actor="test", pin=pin)
        assert paid.card_balance_cents == 2_000
    assert len(_gift_mails(stripe_app, "lea@example.fr")) == 1
    # The recipient registers the card on their account (the card holder's flow).
    login(client, "resident@example.fr")
    claim = re.search(r'href="[^"]*?(/carte/rattacher/[^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post(claim).status_code == 302
    cards_page = client.get("/compte/carte/").get_data(as_text=True)
    assert "Cadeau de Jeanne Martin" in cards_page and "20,00" in cards_page


def _item_of(token, index=0):
    return gift_cards.purchase_by_token(token).items[index]


def test_refund_before_first_use_takes_all_back_through_stripe(stripe_app, gift_world, client):
    token, _ = buy_two(client)
    login(client, "admin@example.fr")
    with stripe_app.app_context():
        item_id = _item_of(token, 1).id
    unconfirmed = client.post(f"/admin/cartes-cadeaux/{item_id}/rembourser", follow_redirects=True)
    assert "Cochez la case" in unconfirmed.get_data(as_text=True)
    with stripe_app.app_context():
        assert _entries("buyrefund") == 0
    done = client.post(f"/admin/cartes-cadeaux/{item_id}/rembourser", data={"confirm": "y"}, follow_redirects=True)
    assert "25,50" in done.get_data(as_text=True)
    with stripe_app.app_context():
        item = db.session.get(CreditPurchaseItem, item_id)
        assert item.refunded_cents == 2_550 and item.stripe_refund_id.startswith("re_")
        assert card_balance(db.session, item.card_id) == 0 and _stripe_balance() == -3_000
        captured, refunded = payments.captured_and_refunded(item.purchase.stripe_payment_intent_id)
        assert (captured, refunded) == (5_550, 2_550)
        # Refunded before its day: never emailed.
        assert gift_cards.deliver_due(today=today() + timedelta(days=30)) == 0
    again = client.post(f"/admin/cartes-cadeaux/{item_id}/rembourser", data={"confirm": "y"}, follow_redirects=True)
    with stripe_app.app_context():
        assert _entries("buyrefund") == 1
        assert payments.captured_and_refunded(db.session.get(CreditPurchaseItem, item_id)
                                              .purchase.stripe_payment_intent_id)[1] == 2_550
    assert again.status_code == 200


def test_after_first_use_only_the_unused_part_is_refunded(stripe_app, gift_world, client):
    token, _ = buy_two(client)
    with stripe_app.app_context():
        item = _item_of(token, 0)
        item_id, card_id = item.id, item.card_id
        issue_entry_id = item.issue_entry_id
        pin = re.search(r"Code PIN .*: (\d{4})", mail.outbox()[-1].get_body(("plain",)).get_content()).group(1)
        db.session.commit()
        ledger.redeem(db.session, card_id=card_id, shop_id=gift_world["shop"], amount_cents=1_200, key="r1",
                      actor="test", pin=pin)
        # The ledger never takes back more than is left.
        from loyalty.bought import take_back
        from loyalty.errors import RefundNotAllowed

        with pytest.raises(RefundNotAllowed, match="18,00"):
            take_back(db.session, issue_entry_id=issue_entry_id, amount_cents=1_801, key="too-much", actor="test",
                      reason="test")
    login(client, "admin@example.fr")
    listing = client.get("/admin/cartes-cadeaux").get_data(as_text=True)
    assert "18,00" in listing
    client.post(f"/admin/cartes-cadeaux/{item_id}/rembourser", data={"confirm": "y"})
    with stripe_app.app_context():
        item = db.session.get(CreditPurchaseItem, item_id)
        assert item.refunded_cents == 1_800 and card_balance(db.session, card_id) == 0
        assert payments.captured_and_refunded(item.purchase.stripe_payment_intent_id)[1] == 1_800
        # What the shop was paid stays: the Stripe clearing account is down by 30 € − 18 € + Léa's 25,50 €.
        assert _stripe_balance() == -(1_200 + 2_550)
    # Refunded: the next click refunds nothing more.
    nothing = client.post(f"/admin/cartes-cadeaux/{item_id}/rembourser", data={"confirm": "y"}, follow_redirects=True)
    assert nothing.status_code == 200
    with stripe_app.app_context():
        assert _entries("buyrefund") == 1


def test_a_lost_gift_card_replaced_by_the_admin_shows_on_the_recipients_link_and_is_refunded(
        stripe_app, gift_world, client):
    from loyalty.cards import grouped_number

    token, _ = buy_two(client)
    with stripe_app.app_context():
        item = _item_of(token, 0)
        item_id, old_id, old_number = item.id, item.card_id, db.session.get(Card, item.card_id).number
        link = f"/carte-cadeau/carte/{gift_cards.gift_token(item_id)}"
    login(client, "admin@example.fr")
    client.post(f"/admin/cartes/{old_id}/remplacer", data={"confirm": "y"})
    with stripe_app.app_context():
        old = db.session.scalars(select(Card).filter_by(number=old_number)).one()
        new = db.session.get(Card, old.replaced_by_id)
        new_id, new_number = new.id, new.number
        assert card_balance(db.session, new_id) == 3_000
        assert gift_cards.unused_cents(db.session.get(CreditPurchaseItem, item_id)) == 3_000
    page = client.get(link).get_data(as_text=True)  # the recipient's link shows the card that pays now
    assert grouped_number(new_number) in page and grouped_number(old_number) not in page
    assert "30,00" in client.get("/admin/cartes-cadeaux").get_data(as_text=True)
    client.post(f"/admin/cartes-cadeaux/{item_id}/rembourser", data={"confirm": "y"})
    with stripe_app.app_context():
        assert db.session.get(CreditPurchaseItem, item_id).refunded_cents == 3_000
        assert card_balance(db.session, new_id) == 0


def test_bad_input_names_the_field_and_creates_nothing(stripe_app, gift_world, client):
    answer, _ = order_form(client, [("5", "Paul", "paul@example.fr", "", today()),
                                    ("30", "Léa", "pas-une-adresse", "", today() - timedelta(days=1))])
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Montant : entre 10,00" in html and "500,00" in html
    assert "Adresse e-mail du destinataire invalide." in html
    assert "Date d&#39;envoi : aujourd&#39;hui ou plus tard." in html or "Date d'envoi : aujourd'hui" in html
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CreditPurchase)) == 0


@pytest.mark.parametrize("typed", ["-5", "0", "5", "600", "99999999999"])
def test_an_amount_out_of_range_says_the_range(stripe_app, gift_world, client, typed):
    answer, _ = order_form(client, [(typed, "Paul", "paul@example.fr", "", today())])
    page = unescape(answer.get_data(as_text=True)).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Montant : entre 10,00 € et 500,00 €." in page and "un nombre d'euros" not in page
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CreditPurchase)) == 0


def test_a_day_the_calendar_does_not_have_is_named(stripe_app, gift_world, client):
    page = client.get("/carte-cadeau").get_data(as_text=True)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post("/carte-cadeau", data={
        "form_token": token, "cards-0-amount": "30", "cards-0-recipient_name": "Paul",
        "cards-0-recipient_email": "paul@example.fr", "cards-0-deliver_on": "31/02/2026",
        "buyer_name": "Jeanne", "buyer_email": "jeanne@example.fr", "submit": "1"})
    html = unescape(answer.get_data(as_text=True))
    assert "Date d'envoi au destinataire : le 31/02/2026 n'existe pas dans le calendrier." in html
    assert "au format jj/mm/aaaa" not in html
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CreditPurchase)) == 0


def test_too_long_card_fields_are_named_in_french(stripe_app, gift_world, client):
    answer, _ = order_form(client, [("30", "P" * 121, "p" * 250 + "@example.fr", "m" * 501, today())])
    html = unescape(answer.get_data(as_text=True))
    assert answer.status_code == 200 and "Field cannot be longer" not in html
    assert "Prénom et nom du destinataire : 120 caractères au plus." in html
    assert "E-mail du destinataire : 254 caractères au plus." in html
    assert "Votre message (facultatif) : 500 caractères au plus." in html
    with stripe_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CreditPurchase)) == 0


def test_the_form_adds_and_removes_cards(app, gift_world, client):
    page = client.get("/carte-cadeau").get_data(as_text=True)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    more = client.post("/carte-cadeau", data={"form_token": token, "cards-0-amount": "20", "add_card": "1"})
    html = more.get_data(as_text=True)
    assert 'name="cards-1-amount"' in html and 'value="20"' in html
    fewer = client.post("/carte-cadeau", data={"form_token": token, "cards-0-amount": "20", "cards-1-amount": "",
                                               "remove_card": "1"})
    assert 'name="cards-1-amount"' not in fewer.get_data(as_text=True)
    # Enter in a field submits with the form's first button: the order's, not "Ajouter une carte".
    assert re.findall(r'<input[^>]*type="submit"[^>]*>', html)[0].count('name="submit"') == 1


def test_a_holder_tops_up_their_own_card(stripe_app, gift_world, client):
    from loyalty.cards import create_card

    with stripe_app.app_context():
        card_id = create_card(db.session, holder_user_id=gift_world["resident"], active=True).id
        other_id = create_card(db.session, holder_user_id=gift_world["admin"], active=True).id
    login(client, "resident@example.fr")
    assert client.get(f"/compte/carte/{other_id}/recharger").status_code == 404
    refused = client.post(f"/compte/carte/{card_id}/recharger", data={"form_token": "t1", "amount": "600"})
    assert "Montant : entre" in refused.get_data(as_text=True)
    answer = client.post(f"/compte/carte/{card_id}/recharger", data={"form_token": "t2", "amount": "40"})
    assert answer.status_code == 302
    token = pay(client, answer.headers["Location"])
    with stripe_app.app_context():
        [grant] = db.session.scalars(select(Grant).where(Grant.card_id == card_id)).all()
        assert grant.label == "Rechargement" and grant.account.balance_cents == 4_000
        assert grant.funder_account.code == accounts.STRIPE_CLEARING
        assert gift_cards.purchase_by_token(token).items[0].card_id == card_id
    assert "Rechargement" in client.get("/compte/carte/").get_data(as_text=True)


def test_a_top_up_receipt_says_the_card_was_topped_up_and_leads_back_to_it(stripe_app, gift_world, client):
    from loyalty.cards import create_card

    with stripe_app.app_context():
        card_id = create_card(db.session, holder_user_id=gift_world["resident"], active=True).id
    login(client, "resident@example.fr")
    for form_token, amount in (("t1", "40"), ("t2", "15")):
        answer = client.post(f"/compte/carte/{card_id}/recharger", data={"form_token": form_token, "amount": amount})
        token = answer.headers["Location"].rstrip("/").split("/")[-2]
        client.get(f"/carte-cadeau/achat/{token}/paiement")
        client.post(f"/carte-cadeau/achat/{token}/paiement", json={"payment_method": "pm_card_visa"})
        back = client.get(f"/carte-cadeau/achat/{token}/retour")
    receipt = unescape(client.get(back.headers["Location"]).get_data(as_text=True))
    assert "Votre carte est rechargée" in receipt
    assert re.search(r"15,00\s€ ajoutés à votre carte", receipt)
    assert re.search(r'data-testid="topped-up-balance">Nouveau solde : 55,00\s€\.', receipt)
    assert 'href="/compte/carte/"' in receipt and ">Ma carte</a>" in receipt
    for gift_wording in ("Destinataire", "Envoi", "Gardez ce lien", "Paiement reçu, merci"):
        assert gift_wording not in receipt
    # The link may be forwarded: someone else sees the top-up, not the card's balance.
    assert "Nouveau solde" not in stripe_app.test_client().get(back.headers["Location"]).get_data(as_text=True)


def test_webhook_and_return_page_at_once_credit_the_cards_once(stripe_app, gift_world, client):
    """Four deliveries of the same success at the same moment (webhook, return page, redeliveries)."""
    import threading

    answer, _ = order_form(client, [("40", "Paul Martin", "paul@example.fr", "", today()),
                                    ("15", "Léa Martin", "lea@example.fr", "", today())])
    token = answer.headers["Location"].rstrip("/").split("/")[-2]
    client.get(f"/carte-cadeau/achat/{token}/paiement")
    with stripe_app.test_request_context():
        purchase = gift_cards.purchase_by_token(token)
        payments.confirm_with_payment_method(purchase.stripe_payment_intent_id, "pm_card_visa")
        intent = payments.retrieve_payment_intent(purchase.stripe_payment_intent_id).to_dict()
        db.session.remove()
    barrier = threading.Barrier(4)
    errors = []

    def deliver():
        try:
            with stripe_app.test_request_context():
                barrier.wait()
                payments.handle_succeeded(intent)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with stripe_app.app_context():
        assert _entries("issue") == 2 and _stripe_balance() == -5_500
        assert db.session.scalar(select(func.count()).select_from(Card)) == 2
        assert gift_cards.purchase_by_token(token).status == "paid"
    assert len(_gift_mails(stripe_app, "jeanne@example.fr")) == 1
    assert len(_gift_mails(stripe_app, "paul@example.fr")) == 1 and len(_gift_mails(stripe_app, "lea@example.fr")) == 1


def test_a_top_up_paid_after_the_card_was_replaced_goes_to_the_new_card(stripe_app, gift_world, client):
    from loyalty.cards import block_card, create_card

    with stripe_app.app_context():
        card_id = create_card(db.session, holder_user_id=gift_world["resident"], active=True).id
    login(client, "resident@example.fr")
    answer = client.post(f"/compte/carte/{card_id}/recharger", data={"form_token": "t3", "amount": "25"})
    token = answer.headers["Location"].rstrip("/").split("/")[-2]
    assert client.get(f"/carte-cadeau/achat/{token}/paiement").status_code == 200
    with stripe_app.app_context():  # lost while paying: blocked, then replaced by the admin
        block_card(db.session, card_id)
        new_id = ledger.replace_card(db.session, card_id=card_id, key="replace-1", actor="test").card_id
    assert client.post(f"/carte-cadeau/achat/{token}/paiement", json={"payment_method": "pm_card_visa"}).status_code == 200
    client.get(f"/carte-cadeau/achat/{token}/retour")
    with stripe_app.app_context():
        assert card_balance(db.session, new_id) == 2_500 and card_balance(db.session, card_id) == 0


def test_a_refund_stripe_could_not_make_is_retried_without_taking_back_twice(stripe_app, gift_world, client):
    token, _ = buy_two(client)
    with stripe_app.app_context():
        item_id = _item_of(token, 0).id
    login(client, "admin@example.fr")
    base = stripe_app.config["STRIPE_API_BASE"]
    stripe_app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # Stripe unreachable
    try:
        failed = client.post(f"/admin/cartes-cadeaux/{item_id}/rembourser", data={"confirm": "y"}, follow_redirects=True)
    finally:
        stripe_app.config["STRIPE_API_BASE"] = base
    assert "Réessayer le remboursement Stripe" in failed.get_data(as_text=True)
    with stripe_app.app_context():
        item = db.session.get(CreditPurchaseItem, item_id)
        assert item.refunded_cents == 3_000 and item.stripe_refund_id is None
        assert card_balance(db.session, item.card_id) == 0
    client.post(f"/admin/cartes-cadeaux/{item_id}/rembourser", data={"confirm": "y"})
    with stripe_app.app_context():
        item = db.session.get(CreditPurchaseItem, item_id)
        assert item.stripe_refund_id.startswith("re_") and _entries("buyrefund") == 1
        assert payments.captured_and_refunded(item.purchase.stripe_payment_intent_id)[1] == 3_000


def test_without_a_truetype_font_the_pdf_is_written_without_accents(stripe_app, gift_world, client, monkeypatch):
    token, _ = buy_two(client)
    monkeypatch.setattr(gift_cards, "PDF_FONTS", ())
    with stripe_app.test_request_context():
        stripe_app.config.pop("CARD_PDF_FONT", None)
        _font, text = gift_cards._pdf_font()
        assert text("30,00\u202f€ à Léa") == "30,00 EUR a Lea"
        assert gift_cards.card_pdf(_item_of(token)).startswith(b"%PDF")


def test_coming_back_before_paying_credits_nothing(stripe_app, gift_world, client):
    answer, _ = order_form(client, [("30", "Paul Martin", "paul@example.fr", "", today())])
    token = answer.headers["Location"].rstrip("/").split("/")[-2]
    early = client.get(f"/carte-cadeau/achat/{token}/retour", follow_redirects=True)
    assert "pas abouti" in early.get_data(as_text=True)
    client.get(f"/carte-cadeau/achat/{token}/paiement")
    again = client.get(f"/carte-cadeau/achat/{token}/retour", follow_redirects=True)
    assert "pas abouti" in again.get_data(as_text=True)
    assert "Paiement en attente" in client.get(f"/carte-cadeau/achat/{token}").get_data(as_text=True)
    assert client.post(f"/carte-cadeau/achat/{token}/paiement", json={}).status_code == 400
    assert client.get("/carte-cadeau/achat/inconnu/paiement").status_code == 404
    with stripe_app.app_context():
        assert _entries("issue") == 0 and gift_cards.purchase_by_token(token).status == "pending"


def test_a_declined_card_then_another_pays_the_same_purchase(stripe_app, gift_world, client):
    answer, _ = order_form(client, [("30", "Paul Martin", "paul@example.fr", "", today())])
    token = answer.headers["Location"].rstrip("/").split("/")[-2]
    client.get(f"/carte-cadeau/achat/{token}/paiement")
    with stripe_app.app_context():
        first_intent = gift_cards.purchase_by_token(token).stripe_payment_intent_id
        card = payments.client().v1.payment_methods.create(params={"type": "card", "card": {
            "number": "4000000000000341", "exp_month": 12, "exp_year": 2034, "cvc": "123"}})
    declined = client.post(f"/carte-cadeau/achat/{token}/paiement", json={"payment_method": card.id})
    assert declined.status_code == 402
    again = client.post(f"/carte-cadeau/achat/{token}/paiement", json={"payment_method": "pm_card_visa"})
    assert again.get_json()["status"] == "succeeded"
    client.get(f"/carte-cadeau/achat/{token}/retour")
    with stripe_app.app_context():
        purchase = gift_cards.purchase_by_token(token)
        assert purchase.status == "paid" and purchase.stripe_payment_intent_id != first_intent
        assert payments.retrieve_payment_intent(first_intent)["status"] == "canceled"
        assert _entries("issue") == 1 and _stripe_balance() == -3_000


def test_the_pages_of_a_card_and_a_purchase_are_not_stored_by_caches(stripe_app, gift_world, client):
    token, _ = buy_two(client)
    with stripe_app.app_context():
        link = f"/carte-cadeau/carte/{gift_cards.gift_token(_item_of(token).id)}"
    for url in (link, f"{link}/carte.pdf", f"/carte-cadeau/achat/{token}", "/carte-cadeau"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store", url


def test_the_order_page_reads_in_english(app, gift_world, client):
    html = client.get("/carte-cadeau?lang=en").get_data(as_text=True)
    assert "Give a gift card" in html and "Recipient&#39;s email" in html and "Continue to payment" in html
