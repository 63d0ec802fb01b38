"""Cards sold at a counter ("point de vente cartes"): made at once with their grants funded from
the counter's clearing account of the tender, found again on a double submit, printed with a PIN
slip, voided the same day only while unused (never more than is left), and the day's cash-up
matches the ledger; once the day is closed, no sale nor void lands on it."""
import html
import re

import pytest
from sqlalchemy import select

from loyalty import accounts, ledger
from loyalty.models import Account, Card, Grant
from loyalty.queries import card_balance
from marketplace import counters
from marketplace.extensions import db
from marketplace.models import AuditEvent, CardCounter, CreditPurchase
from tests import factories as f
from tests.conftest import login, post_twice_at_once


@pytest.fixture
def desk(app, gift_world):
    with app.app_context():
        seller = f.user("vendeuse@example.fr")
        other = f.user("autre-vendeur@example.fr")
        outsider = f.user("ailleurs@example.fr")
        counter = counters.create_counter(name="Office de tourisme de Semur", commune_insee=f.SEMUR["insee"],
                                          admin=db.session.get(f.User, gift_world["admin"]))
        elsewhere = counters.create_counter(name="Mairie de Montbard", commune_insee=f.SEMUR["insee"],
                                            admin=db.session.get(f.User, gift_world["admin"]))
        admin = db.session.get(f.User, gift_world["admin"])
        counters.add_seller(counter, "vendeuse@example.fr", admin=admin)
        counters.add_seller(counter, "AUTRE-vendeur@example.fr", admin=admin)
        counters.add_seller(elsewhere, "ailleurs@example.fr", admin=admin)
        return {**gift_world, "counter": counter.id, "elsewhere": elsewhere.id, "seller": seller.id,
                "other": other.id, "outsider": outsider.id}


def sell(client, counter_id, cards, tender="cash", token=None, buyer=""):
    page = client.get(f"/guichet/{counter_id}/")
    assert page.status_code == 200
    token = token or re.search(r'name="form_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    data = {"form_token": token, "tender": tender, "buyer_name": buyer, "submit": "1"}
    for n, (euros, name, *email) in enumerate(cards):
        data.update({f"cards-{n}-amount": euros, f"cards-{n}-recipient_name": name,
                     f"cards-{n}-recipient_email": email[0] if email else ""})
    return client.post(f"/guichet/{counter_id}/", data=data), token


def _sale_id(answer):
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(answer.headers["Location"].rstrip("/").split("/")[-1])


def _clearing(counter_id, tender):
    account = db.session.scalar(select(Account).where(
        Account.code == accounts.counter_clearing_code(counter_id, tender)))
    return account.balance_cents if account else 0


def test_a_seller_sells_two_cards_in_cash_credited_at_once_and_once(app, desk, client):
    login(client, "vendeuse@example.fr")
    answer, token = sell(client, desk["counter"], [("30", "Paul"), ("20,50", "")])
    sale_id = _sale_id(answer)
    again, _ = sell(client, desk["counter"], [("30", "Paul"), ("20,50", "")], token=token)  # double submit
    assert _sale_id(again) == sale_id
    with app.app_context():
        sale = db.session.get(CreditPurchase, sale_id)
        assert (sale.kind, sale.status, sale.tender, sale.amount_cents) == ("counter", "paid", "cash", 5_050)
        assert sale.seller_user_id == desk["seller"]
        assert [card_balance(db.session, i.card_id) for i in sale.items] == [3_000, 2_050]
        grant = db.session.scalar(select(Grant).where(Grant.card_id == sale.items[0].card_id))
        assert grant.label == "Carte cadeau (Office de tourisme de Semur)"
        assert db.session.get(Account, grant.funder_account_id).code == f"counter:{desk['counter']}:cash"
        assert _clearing(desk["counter"], "cash") == -5_050
        assert db.session.scalar(select(Card.status).where(Card.id == sale.items[0].card_id)) == "active"
    listed = client.get(f"/guichet/{desk['counter']}/").get_data(as_text=True)
    assert f"Vente n° {sale_id}" in listed and "50,50" in listed
    # The printable card (the gift card PDF) and the print sheet with a PIN slip per card.
    with app.app_context():
        item_id = db.session.get(CreditPurchase, sale_id).items[0].id
    pdf = client.get(f"/guichet/{desk['counter']}/vente/{sale_id}/carte/{item_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    sheet = client.post(f"/guichet/{desk['counter']}/vente/{sale_id}/imprimer", data={"csrf_token": ""})
    html = sheet.get_data(as_text=True)
    assert sheet.status_code == 200 and html.count('data-testid="printed-pin"') == 2
    pin = re.search(r'data-testid="printed-pin">(\d{4})<', html).group(1)
    with app.app_context():
        card_id = db.session.get(CreditPurchase, sale_id).items[0].card_id
        from loyalty.errors import PinRequired
        with pytest.raises(PinRequired):
            ledger.redeem(db.session, card_id=card_id, shop_id=desk["shop"], amount_cents=100, key="r0", actor="t")
        paid = ledger.redeem(db.session, card_id=card_id, shop_id=desk["shop"], amount_cents=100, key="r1",
                             actor="t", pin=pin)
        assert paid.card_balance_cents == 2_900


def test_bad_amounts_and_tenders_are_refused_and_change_nothing(app, desk, client):
    login(client, "vendeuse@example.fr")
    answer, _ = sell(client, desk["counter"], [("5", "")])
    assert answer.status_code == 200 and "Montant : entre 10,00" in answer.get_data(as_text=True)
    answer, _ = sell(client, desk["counter"], [("30", "")], tender="bitcoin")
    assert answer.status_code == 200
    answer, _ = sell(client, desk["counter"], [("30", "P" * 121, "p" * 250 + "@example.fr")], buyer="B" * 121)
    page = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 200 and "Field cannot be longer" not in page
    assert "Nom du destinataire (facultatif) : 120 caractères au plus." in page
    assert "plafond d'abondement) : 254 caractères au plus." in page
    assert "De la part de (facultatif, imprimé sur la carte) : 120 caractères au plus." in page
    with app.app_context():
        assert db.session.scalar(select(CreditPurchase.id).where(CreditPurchase.kind == "counter")) is None


def test_only_the_counters_sellers_reach_it(app, desk, client):
    login(client, "ailleurs@example.fr")
    assert client.get(f"/guichet/{desk['counter']}/").status_code == 403
    assert client.get(f"/guichet/{desk['counter']}/caisse").status_code == 403
    login(client, "resident@example.fr")
    assert client.get(f"/guichet/{desk['counter']}/").status_code == 403
    login(client, "vendeuse@example.fr")
    assert client.get("/guichet/").headers["Location"].endswith(f"/guichet/{desk['counter']}/")
    answer, _ = sell(client, desk["counter"], [("30", "")])
    sale_id = _sale_id(answer)
    login(client, "ailleurs@example.fr")
    assert client.get(f"/guichet/{desk['elsewhere']}/vente/{sale_id}").status_code == 404  # not that counter's


def test_a_void_takes_the_credit_back_only_the_same_day_and_unused(app, desk, client):
    login(client, "vendeuse@example.fr")
    kept = _sale_id(sell(client, desk["counter"], [("40", "")], tender="cheque")[0])
    voided = _sale_id(sell(client, desk["counter"], [("30", ""), ("15", "")], tender="card")[0])
    # Unticked: refused, nothing changes.
    client.post(f"/guichet/{desk['counter']}/vente/{voided}/annuler", data={})
    with app.app_context():
        assert db.session.get(CreditPurchase, voided).status == "paid"
    assert client.post(f"/guichet/{desk['counter']}/vente/{voided}/annuler", data={"confirm": "y"}).status_code == 302
    client.post(f"/guichet/{desk['counter']}/vente/{voided}/annuler", data={"confirm": "y"})  # twice: once
    with app.app_context():
        sale = db.session.get(CreditPurchase, voided)
        assert sale.status == "voided" and sale.voided_by_id == desk["seller"]
        assert [card_balance(db.session, i.card_id) for i in sale.items] == [0, 0]
        assert [i.refunded_cents for i in sale.items] == [3_000, 1_500]
        assert _clearing(desk["counter"], "card") == 0 and _clearing(desk["counter"], "cheque") == -4_000
        assert db.session.scalar(select(AuditEvent.summary).where(AuditEvent.action == "counter.void")) == (
            f"Vente n° {voided} annulée : 45,00\xa0€, carte bancaire (terminal)")  # not « (4500 c, card) »
        # A card used (even for 1 €) makes the sale impossible to void: never more than is left.
        card_id = db.session.get(CreditPurchase, kept).items[0].card_id
        ledger.redeem(db.session, card_id=card_id, shop_id=desk["shop"], amount_cents=100, key="r1", actor="t")
    answer = client.post(f"/guichet/{desk['counter']}/vente/{kept}/annuler", data={"confirm": "y"},
                         follow_redirects=True)
    assert "déjà servi" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CreditPurchase, kept).status == "paid" and card_balance(db.session, card_id) == 3_900
        # Another day's sale: not voidable.
        sale = db.session.get(CreditPurchase, kept)
        from datetime import timedelta
        sale.sale_day = sale.sale_day - timedelta(days=1)
        db.session.commit()
        with pytest.raises(counters.CounterError):
            counters.void(kept, user=db.session.get(f.User, desk["seller"]))


def test_the_cash_up_matches_the_ledger_and_a_closed_day_takes_no_more(app, desk, client):
    login(client, "vendeuse@example.fr")
    _sale_id(sell(client, desk["counter"], [("30", ""), ("20", "")], tender="cash")[0])
    voided = _sale_id(sell(client, desk["counter"], [("25", "")], tender="cash")[0])
    _sale_id(sell(client, desk["counter"], [("100", "")], tender="card")[0])
    client.post(f"/guichet/{desk['counter']}/vente/{voided}/annuler", data={"confirm": "y"})
    login(client, "autre-vendeur@example.fr")
    _sale_id(sell(client, desk["counter"], [("45", "")], tender="cheque")[0])
    # Another counter's sale counts in its own cash-up only.
    login(client, "ailleurs@example.fr")
    _sale_id(sell(client, desk["elsewhere"], [("60", "")], tender="cash")[0])
    with app.app_context():
        counter = db.session.get(CardCounter, desk["counter"])
        day = counters.today()
        report = counters.cash_up(counter, day)
        ledger_side = counters.ledger_takings(counter.id, day)
        assert {t: f["net"] for t, f in report.by_tender.items()} == ledger_side == {
            "cash": 5_000, "cheque": 4_500, "card": 10_000}
        assert report.total_cents == 19_500
        assert report.by_tender["cash"] == {"count": 2, "sold": 7_500, "voided": 2_500, "net": 5_000}
        assert report.by_seller[("vendeuse@example.fr", "cash")]["net"] == 5_000
        assert report.by_seller[("autre-vendeur@example.fr", "cheque")]["net"] == 4_500
    login(client, "vendeuse@example.fr")
    csv = client.get(f"/guichet/{desk['counter']}/caisse.csv")
    text = csv.data.decode("utf-8-sig")
    assert csv.status_code == 200 and "vendeuse@example.fr;Espèces;2;75,00;25,00;50,00" in text
    assert "Total;Carte bancaire (terminal);1;100,00;0,00;100,00" in text
    assert client.get(f"/guichet/{desk['counter']}/caisse.csv?jour=hier").status_code == 400
    # Closing: confirmed, once; then no sale nor void that day.
    client.post(f"/guichet/{desk['counter']}/caisse", data={"confirm": "y"})
    page = client.get(f"/guichet/{desk['counter']}/caisse").get_data(as_text=True)
    assert 'data-testid="day-closed"' in page
    assert 'data-testid="counter-sale-form"' not in client.get(f"/guichet/{desk['counter']}/").get_data(as_text=True)
    answer, _ = sell(client, desk["counter"], [("30", "")], token="a-form-shown-before-the-closing")
    assert answer.status_code == 200 and "est close" in answer.get_data(as_text=True)
    with app.app_context():
        kept = db.session.scalar(select(CreditPurchase.id).where(CreditPurchase.counter_id == desk["counter"],
                                                                 CreditPurchase.status == "paid"))
        with pytest.raises(counters.CounterError):
            counters.void(kept, user=db.session.get(f.User, desk["seller"]))
        assert counters.ledger_takings(desk["counter"], counters.today())["cash"] == 5_000
        assert counters.is_closed(desk["counter"], counters.today())
        with pytest.raises(counters.CounterError):
            counters.close_day(db.session.get(CardCounter, desk["counter"]), counters.today(),
                               user=db.session.get(f.User, desk["seller"]))


def test_the_admin_creates_a_counter_and_adds_an_existing_user_as_seller_at_once(app, gift_world, client):
    login(client, "admin@example.fr")
    page = client.get("/admin/guichets")
    assert page.status_code == 200
    assert client.post("/admin/guichets", data={"name": "Union commerciale", "commune": f.SEMUR["insee"]}
                       ).status_code == 302
    with app.app_context():
        counter_id = db.session.scalar(select(CardCounter.id).where(CardCounter.name == "Union commerciale"))
    client.post(f"/admin/guichets/{counter_id}/vendeurs", data={"email": "resident@example.fr"})
    with app.app_context():
        assert counters.is_seller(db.session.get(f.User, gift_world["resident"]), counter_id)
    login(client, "resident@example.fr")
    assert client.get(f"/guichet/{counter_id}/").status_code == 200
    assert client.get("/admin/guichets").status_code == 403


def test_a_running_programme_tops_up_counter_sales_apart_from_the_takings_and_a_void_takes_it_back(app, desk, client):
    from marketplace import topup_programmes
    from marketplace.models import TopUpAward

    with app.app_context():
        today = counters.today()
        programme_id = topup_programmes.create(topup_programmes.ProgrammeTerms(
            name="Printemps", budget_cents=6_000, rate_percent=50, cap_per_purchase_cents=4_000,
            cap_per_person_cents=2_500, starts_on=today, ends_on=today, allowed_categories=None,
            allowed_communes=None), admin=db.session.get(f.User, desk["admin"])).id
        budget = f"programme:{programme_id}"

    def left():
        return db.session.scalar(select(Account.balance_cents).where(Account.code == budget))

    login(client, "vendeuse@example.fr")
    # Paul (by his email) gets 20 € on 40 €; the card without an email counts as its own person: 15 € on 30 €.
    first = _sale_id(sell(client, desk["counter"], [("40", "Paul", "paul@example.fr"), ("30", "")])[0])
    # Paul again, his email typed otherwise: only what is left of his cap (25 €), 5 €.
    second = _sale_id(sell(client, desk["counter"], [("20", "Paul", "PAUL@example.fr")], tender="card")[0])
    with app.app_context():
        cards = [i.card_id for i in db.session.get(CreditPurchase, first).items]
        cards += [i.card_id for i in db.session.get(CreditPurchase, second).items]
        assert [card_balance(db.session, c) for c in cards] == [6_000, 4_500, 2_500]
        assert db.session.scalars(select(TopUpAward.person).order_by(TopUpAward.id)).all() == [
            "paul@example.fr", f"card:{cards[1]}", "paul@example.fr"]
        assert left() == 2_000
        # The desk hands over what was paid: the top-ups are in no tender's total, shown apart.
        report = counters.cash_up(db.session.get(CardCounter, desk["counter"]), counters.today())
        assert {t: f["net"] for t, f in report.by_tender.items()} == counters.ledger_takings(
            desk["counter"], counters.today()) == {"cash": 7_000, "cheque": 0, "card": 2_000}
        assert report.total_cents == 9_000
        assert report.top_ups == {"count": 3, "sold": 4_000, "voided": 0, "net": 4_000}
    sale_page = client.get(f"/guichet/{desk['counter']}/vente/{first}").get_data(as_text=True)
    assert "+ 20,00" in sale_page and "Abondement Printemps" in sale_page
    sheet = client.post(f"/guichet/{desk['counter']}/vente/{first}/imprimer", data={}).get_data(as_text=True)
    assert re.findall(r'data-testid="printed-top-up">\+ ([\d,]+)', sheet) == ["20,00", "15,00"]
    # Voiding the second sale takes its top-up back to the budget.
    assert client.post(f"/guichet/{desk['counter']}/vente/{second}/annuler", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        assert card_balance(db.session, cards[2]) == 0 and left() == 2_500
        assert db.session.scalar(select(TopUpAward.taken_back_cents).where(TopUpAward.card_id == cards[2])) == 500
    page = client.get(f"/guichet/{desk['counter']}/caisse").get_data(as_text=True)
    assert "Abondements offerts" in page and "35,00" in page and 'data-testid="cash-up-total">70,00' in page
    csv = client.get(f"/guichet/{desk['counter']}/caisse.csv").data.decode("utf-8-sig")
    assert "Abondements (non encaissés);;3;40,00;5,00;" in csv
    # The budget is used to the last cent, never beyond: 25 € on 100 €, then nothing.
    third = _sale_id(sell(client, desk["counter"], [("100", "")])[0])
    fourth = _sale_id(sell(client, desk["counter"], [("100", "")])[0])
    with app.app_context():
        assert [card_balance(db.session, db.session.get(CreditPurchase, s).items[0].card_id)
                for s in (third, fourth)] == [12_500, 10_000]
        assert left() == 0
        # A card of the sale used, even for 1 €: the sale (and its top-up) can no longer be voided.
        card_id = db.session.get(CreditPurchase, third).items[0].card_id
        ledger.redeem(db.session, card_id=card_id, shop_id=desk["shop"], amount_cents=100, key="r-top", actor="t")
        assert not counters.can_void(db.session.get(CreditPurchase, third))


def _invitation_path(app, email):
    from marketplace.mail import outbox

    with app.app_context():
        [mail] = [m for m in outbox() if m["To"] == email]
    link = next(word for word in mail.get_content().split() if "/guichet/invitation/" in word)
    return link[link.index("/guichet/"):]


def test_a_seller_without_an_account_is_invited_signs_up_and_sells_and_an_invitation_can_be_revoked(
        app, desk, client):
    from marketplace.models import CardCounterInvitation

    login(client, "admin@example.fr")
    answer = client.post(f"/admin/guichets/{desk['counter']}/vendeurs", data={"email": "Nina@Example.fr"},
                         follow_redirects=True)
    assert "Invitation envoyée à nina@example.fr" in answer.get_data(as_text=True)
    client.post(f"/admin/guichets/{desk['counter']}/vendeurs", data={"email": "marc@example.fr"})
    page = client.get("/admin/guichets").get_data(as_text=True)
    assert "nina@example.fr" in page and "marc@example.fr" in page and 'data-testid="pending-invitations"' in page
    nina, marc = _invitation_path(app, "nina@example.fr"), _invitation_path(app, "marc@example.fr")
    # Revoked: Marc's link no longer works, nor is he listed.
    with app.app_context():
        marc_invitation = db.session.scalar(select(CardCounterInvitation.id).where(
            CardCounterInvitation.email == "marc@example.fr"))
    assert client.post(f"/admin/guichets/{desk['counter']}/invitations/{marc_invitation}/retirer",
                       data={}).status_code == 302
    assert "marc@example.fr" not in client.get("/admin/guichets").get_data(as_text=True)
    client.post("/deconnexion")
    stranger = app.test_client()
    assert "n&#39;existe pas" in stranger.get(marc, follow_redirects=True).get_data(as_text=True)
    # Someone else signed in is refused; Nina, signed out, is sent to create her account with her address.
    login(stranger, "resident@example.fr")
    assert stranger.post(nina).status_code == 403
    newcomer = app.test_client()
    first = newcomer.get(nina).get_data(as_text=True)
    assert "nina@example.fr" in first and "/inscription" in first
    sign_up = html.unescape(re.search(r'href="(/inscription\?[^"]+)"', first).group(1))  # the page's link
    assert "email=nina@example.fr" in sign_up
    signed_up = newcomer.post(sign_up, data={
        "email": "nina@example.fr", "first_name": "Nina", "last_name": "Roy",
        "password": "un-mot-de-passe-solide", "password_confirm": "un-mot-de-passe-solide"})
    assert signed_up.headers["Location"].endswith(nina)
    # The counter is named as a name (« à Office de tourisme » lacked its article), in the mail too.
    assert "<h1>Vendre les cartes cadeaux au guichet « Office de tourisme de Semur »</h1>" in newcomer.get(
        nina).get_data(as_text=True)
    with app.app_context():
        from marketplace.mail import outbox

        # Accepting the invitation confirms the address: no second mail to confirm it.
        assert [m["Subject"] for m in outbox() if m["To"] == "nina@example.fr"] == [
            "Invitation à vendre les cartes cadeaux au guichet « Office de tourisme de Semur »"]
    accepted = newcomer.post(nina)
    assert "Vous vendez désormais les cartes au guichet « Office de tourisme de Semur »." in newcomer.get(
        accepted.headers["Location"]).get_data(as_text=True)
    assert accepted.headers["Location"].endswith(f"/guichet/{desk['counter']}/")
    assert newcomer.post(nina, follow_redirects=True).status_code == 200  # used once: back home
    with app.app_context():
        nina_account = db.session.scalar(select(f.User).where(f.User.email == "nina@example.fr"))
        assert counters.is_seller(nina_account, desk["counter"]) and nina_account.email_confirmed
        assert counters.pending_invitations(desk["counter"]) == []


def test_the_sale_and_print_pages_name_each_card_and_the_sale_with_tap_sized_links(app, desk, client):
    """A card with no recipient is « Carte 2 », not « — »; the print sheet has a heading naming the
    sale; the pages' stand-alone links and the print button are not 19 px tall."""
    login(client, "vendeuse@example.fr")
    answer, _ = sell(client, desk["counter"], [("30", "Paul"), ("20", "")])
    sale_id = _sale_id(answer)
    counter = desk["counter"]
    page = client.get(f"/guichet/{counter}/vente/{sale_id}").get_data(as_text=True)
    names = re.findall(r'<tr data-testid="sale-card">\s*<td>([^<]*)</td>', page)
    assert names == ["Paul", "Carte 2"]
    assert 'class="quiet-link">Retour au point de vente' in page
    assert 'class="quiet-link">Caisse du jour et clôture' in client.get(f"/guichet/{counter}/").get_data(as_text=True)
    cash_up = client.get(f"/guichet/{counter}/caisse").get_data(as_text=True)
    assert 'class="quiet-link">Retour au point de vente' in cash_up
    assert 'class="quiet-link" data-testid="cash-up-csv"' in cash_up
    sheet = client.post(f"/guichet/{counter}/vente/{sale_id}/imprimer", data={"csrf_token": ""}).get_data(as_text=True)
    assert f"<h1>Vente n° {sale_id} · Office de tourisme de Semur</h1>" in sheet
    assert '<html lang="fr">' in sheet
    english = client.post(f"/guichet/{counter}/vente/{sale_id}/imprimer?lang=en", data={"csrf_token": ""})
    assert '<html lang="en">' in english.get_data(as_text=True)  # the sheet's language, not always French
    assert 'class="quiet-link">Retour à la vente' in sheet
    css = (app.static_folder + "/css/print-cards.css")
    with open(css, encoding="utf-8") as stylesheet:
        rules = stylesheet.read()
    assert ".no-print button { font: inherit; min-height: 2.75rem;" in rules and ".no-print .quiet-link" in rules


def test_the_admins_counter_form_sent_twice_at_once_makes_one_counter(app, gift_world):
    answers = post_twice_at_once(app, "admin@example.fr", "/admin/guichets",
                                 {"name": "Union commerciale", "commune": f.SEMUR["insee"], "once": "twice"})
    assert [a.headers["Location"] for a in answers] == ["/admin/guichets"] * 2
    with app.app_context():
        assert len(db.session.scalars(select(CardCounter).where(CardCounter.name == "Union commerciale")).all()) == 1


def test_an_account_that_never_confirmed_its_address_is_invited_not_made_a_seller_at_once(app, desk, client):
    """Anyone can sign up with an address that is not theirs: the role goes through the invitation
    mailed to the address, and accepting it confirms the address."""
    with app.app_context():
        f.user("lea@example.fr", email_confirmed_at=None)
        db.session.commit()
    login(client, "admin@example.fr")
    answer = client.post(f"/admin/guichets/{desk['counter']}/vendeurs", data={"email": "lea@example.fr"},
                         follow_redirects=True)
    assert "Invitation envoyée à lea@example.fr" in answer.get_data(as_text=True)
    lea = app.test_client()
    login(lea, "lea@example.fr")
    with app.app_context():
        user = db.session.scalar(select(f.User).where(f.User.email == "lea@example.fr"))
        assert not counters.is_seller(user, desk["counter"])
    lea.post(_invitation_path(app, "lea@example.fr"))
    with app.app_context():
        user = db.session.scalar(select(f.User).where(f.User.email == "lea@example.fr"))
        assert counters.is_seller(user, desk["counter"]) and user.email_confirmed
