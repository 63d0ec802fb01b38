"""The employee's side: claim the card from the email link, see grants, shops, history, block it."""
import html
import re

import pytest

from sqlalchemy import select

from loyalty.clock import paris_day, utc_now
from loyalty.models import Card
from marketplace import campaigns
from marketplace.card_holders import claim_token
from marketplace.extensions import db
from marketplace.mail import outbox
from tests.conftest import login

from .test_campaigns import create, funded_by_transfer


def issued_campaign(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id, amount="120", child_amount="")
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    with app.app_context():
        body = next(m.get_content() for m in outbox() if m["To"] == "luc@example.fr")
        card_id = db.session.scalar(select(Card.id).where(Card.employee_id == hr_world["employees"]["M002"]))
    link = re.search(r"https?://\S+/carte/rattacher/\S+", body).group(0)
    return campaign_id, card_id, link.split("localhost", 1)[-1]


def claimed_by_the_employee(app, hr_client, hr_world):
    """An issued campaign whose card the employee (Claire) has claimed: (campaign id, card id, her client)."""
    campaign_id, card_id, path = issued_campaign(app, hr_client, hr_world)
    holder = app.test_client()
    login(holder, "claire@example.fr")
    holder.post(path)
    return campaign_id, card_id, holder


def test_claim_from_the_email_link_then_see_balance_and_shops(app, hr_client, hr_world, make_user):
    campaign_id, card_id, path = issued_campaign(app, hr_client, hr_world)
    visitor = app.test_client()
    page = visitor.get(path).get_data(as_text=True)
    assert "Créer un compte" in page and "/inscription?next=" in page
    # Sign up from the link, come back, claim.
    visitor.post(f"/inscription?next={path}", data={"email": "luc@example.fr", "password": "motdepasse-solide",
                                                     "password2": "motdepasse-solide", "confirm": "motdepasse-solide",
                                                     "first_name": "Luc", "last_name": "Bernard"})
    if visitor.get("/compte/").status_code != 200:  # the sign-up form changed: log in an existing account
        make_user("luc@example.fr")
        login(visitor, "luc@example.fr")
    claimed = visitor.post(path, follow_redirects=True).get_data(as_text=True)
    assert "Votre carte est rattachée" in claimed
    assert 'data-testid="card-balance">120,00' in claimed
    ends = campaigns.default_expiry("noel", paris_day(utc_now()))  # a Christmas campaign's: end of February
    assert "Laiterie" in claimed and "Noël" in claimed and f"{ends:%d/%m/%Y}" in claimed
    assert "Crédit reçu" in claimed
    with app.app_context():
        card = db.session.get(Card, card_id)
        assert card.holder_user_id is not None
        grant_id = card.grants[0].id
    shops = visitor.get(f"/compte/carte/credits/{grant_id}/commerces").get_data(as_text=True)
    listed = shops.split('data-testid="accepting-shops"')[1]
    assert "Jouets Arnay" in listed and "Chocolats Semur" in listed
    assert "Boulangerie Semur" not in listed  # food is not allowed by this grant
    assert "shops-map" in shops
    assert "Choisissez votre commune" in html.unescape(shops)
    # Once the holder has said where they live, the nearest shops come first, with their distance,
    # each a link to its page (opening hours, address).
    visitor.post("/ma-commune", data={"commune": "Semur-en-Auxois"}, headers={"Origin": "http://localhost"})
    near = html.unescape(visitor.get(f"/compte/carte/credits/{grant_id}/commerces").get_data(as_text=True))
    assert "Les plus proches de Semur-en-Auxois d'abord." in near
    listed = near.split('data-testid="accepting-shops"')[1]
    assert listed.index("Chocolats Semur") < listed.index("Jouets Arnay")  # by name, Arnay came first
    assert re.search(r'<a href="/commerces/[\w-]+">Chocolats Semur</a> · [^<]+ · Semur-en-Auxois <small>\(< 1 km\)</small>',
                     listed)
    assert re.search(r"Jouets Arnay</a> · [^<]+ · Arnay-le-Duc <small>\(\d+ km\)</small>", listed)
    # The HR report now shows the card as attached.
    report = hr_client.get(f"/entreprise/{hr_world['employer_id']}/campagnes/{campaign_id}/export.csv")
    assert "M002;Bernard Luc;120,00;oui;120,00;non" in report.get_data(as_text=True)


def test_a_card_belongs_to_one_account(app, hr_client, hr_world, make_user):
    _, card_id, path = issued_campaign(app, hr_client, hr_world)
    first = app.test_client()
    login(first, "claire@example.fr")
    first.post(path)
    second = app.test_client()
    make_user("someone@example.fr")
    login(second, "someone@example.fr")
    refused = second.post(path, follow_redirects=True)
    assert "déjà rattachée à un autre compte" in refused.get_data(as_text=True)
    with app.app_context():
        grant_id = db.session.get(Card, card_id).grants[0].id
    assert second.get(f"/compte/carte/credits/{grant_id}/commerces").status_code == 404
    assert second.post(f"/compte/carte/{card_id}/bloquer").status_code == 404
    assert "Aucune carte rattachée" in second.get("/compte/carte/").get_data(as_text=True)


def test_forged_claim_link_is_refused(app, hr_world):
    client = app.test_client()
    response = client.get("/carte/rattacher/not-a-token", follow_redirects=True)
    assert "pas valable" in response.get_data(as_text=True)


def test_block_a_lost_card_and_choose_a_pin(app, hr_client, hr_world):
    _, card_id, holder = claimed_by_the_employee(app, hr_client, hr_world)
    page = holder.get("/compte/carte/").get_data(as_text=True)
    assert f'<label for="pin-{card_id}">' in page and f'id="pin-{card_id}"' in page  # its label names the field
    assert "La caisse le demandera pour chaque paiement avec la carte." in page  # the territory's default
    response = holder.post(f"/compte/carte/{card_id}/pin", data={"pin": "12a4"}, follow_redirects=True)
    assert "4 chiffres" in response.get_data(as_text=True)
    holder.post(f"/compte/carte/{card_id}/pin", data={"pin": "2580"})
    from loyalty.cards import check_pin
    with app.app_context():
        check_pin(db.session, card_id, "2580")
    assert 'data-testid="card-qr"' in holder.get("/compte/carte/").get_data(as_text=True)
    blocked = holder.post(f"/compte/carte/{card_id}/bloquer", follow_redirects=True).get_data(as_text=True)
    assert "Carte bloquée" in blocked
    # A blocked card shows no QR code to scan at a till, and says why.
    assert 'data-testid="card-qr"' not in blocked
    assert "ne peut pas payer tant qu'elle est bloquée" in html.unescape(blocked)
    with app.app_context():
        assert db.session.get(Card, card_id).status == "blocked"
    assert second_account_cannot_unblock(app, card_id)
    unblocked = holder.post(f"/compte/carte/{card_id}/debloquer", follow_redirects=True)
    assert "Carte débloquée" in unblocked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Card, card_id).status == "active"


def test_the_holder_sees_and_lifts_a_pin_lock(app, hr_client, hr_world):
    from loyalty.cards import check_pin
    from loyalty.errors import PinLockout, WrongPin

    _, card_id, holder = claimed_by_the_employee(app, hr_client, hr_world)
    holder.post(f"/compte/carte/{card_id}/pin", data={"pin": "2580"})
    with app.app_context():
        for _ in range(4):
            with pytest.raises(WrongPin):
                check_pin(db.session, card_id, "0000")
        with pytest.raises(PinLockout):
            check_pin(db.session, card_id, "0000")
    page = holder.get("/compte/carte/").get_data(as_text=True)
    assert 'data-testid="pin-locked"' in page and "Déverrouiller mon code PIN" in page
    assert second_account_cannot_unblock(app, card_id, action="deverrouiller-pin")
    unlocked = holder.post(f"/compte/carte/{card_id}/deverrouiller-pin", follow_redirects=True).get_data(as_text=True)
    assert "Code PIN déverrouillé" in unlocked and 'data-testid="pin-locked"' not in unlocked
    with app.app_context():
        check_pin(db.session, card_id, "2580")
        assert db.session.get(Card, card_id).failed_pin_attempts == 0


def second_account_cannot_unblock(app, card_id, action="debloquer") -> bool:
    from marketplace.models import User

    with app.app_context():
        if User.query.filter_by(email="intruder@example.fr").one_or_none() is None:
            user = User(email="intruder@example.fr")
            user.set_password("motdepasse-solide")
            db.session.add(user)
            db.session.commit()
    intruder = app.test_client()
    login(intruder, "intruder@example.fr")
    return intruder.post(f"/compte/carte/{card_id}/{action}").status_code == 404


def test_claim_token_is_signed(app_ctx, hr_world):
    token = claim_token(42)
    assert token != "42" and "." in token


def test_the_holder_reads_an_employers_withdrawal_in_their_language(app, hr_client, hr_world):
    campaign_id, card_id, holder = claimed_by_the_employee(app, hr_client, hr_world)
    with app.app_context():
        from marketplace.models import CampaignEmployee
        recipient_id = db.session.scalar(select(CampaignEmployee.id).where(CampaignEmployee.card_id == card_id))
    employer_id = hr_world["employer_id"]
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/beneficiaires/{recipient_id}/retirer")
    french = holder.get("/compte/carte/").get_data(as_text=True)
    assert "Crédit retiré · Noël 2026" in french and "Crédit reçu · Laiterie — Noël 2026" in french
    english = holder.get("/compte/carte/?lang=en").get_data(as_text=True)
    assert "Credit withdrawn · Noël 2026" in english and "retiré" not in english


def test_the_holder_replaces_a_lost_card_and_the_new_one_keeps_its_balance(app, hr_client, hr_world):
    from loyalty.cards import check_pin
    from loyalty.queries import card_balance
    from loyalty.verify import verify
    from marketplace.models import AuditEvent, CampaignEmployee

    campaign_id, card_id, holder = claimed_by_the_employee(app, hr_client, hr_world)
    holder.post(f"/compte/carte/{card_id}/pin", data={"pin": "2580"})
    # An active card is not replaced: found again, it would be unblocked instead.
    refused = holder.post(f"/compte/carte/{card_id}/remplacer", data={"confirm": "y"}, follow_redirects=True)
    assert "Bloquez d'abord la carte" in html.unescape(refused.get_data(as_text=True))
    page = holder.post(f"/compte/carte/{card_id}/bloquer", follow_redirects=True).get_data(as_text=True)
    assert "Remplacer ma carte" in page and f'action="/compte/carte/{card_id}/remplacer"' in page
    assert second_account_cannot_unblock(app, card_id, action="remplacer")
    unticked = holder.post(f"/compte/carte/{card_id}/remplacer", follow_redirects=True)
    assert "Cochez la case pour confirmer" in unticked.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Card, card_id).status == "blocked"

    replaced = html.unescape(holder.post(f"/compte/carte/{card_id}/remplacer", data={"confirm": "y"},
                                         follow_redirects=True).get_data(as_text=True))
    with app.app_context():
        old = db.session.get(Card, card_id)
        new = db.session.get(Card, old.replaced_by_id)
        assert (old.status, new.status, new.holder_user_id, new.pin_hash) == (
            "deactivated", "active", old.holder_user_id, None)
        assert card_balance(db.session, new.id) == 12000 and card_balance(db.session, old.id) == 0
        new_id, new_number = new.id, new.number
        assert verify(db.session) == []
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "card.replace"
    assert "a repris le solde de l'ancienne (120,00" in replaced
    assert new_number[-4:] in replaced and 'data-testid="card-balance">120,00' in replaced
    assert "Solde repris de l’ancienne carte" in replaced
    assert replaced.count('data-testid="card"') == 1  # the old card is gone from the page
    # A second click (another tab) finds the same new card.
    holder.post(f"/compte/carte/{card_id}/remplacer", data={"confirm": "y"})
    with app.app_context():
        assert db.session.scalars(select(Card.id).where(Card.holder_user_id == new.holder_user_id)
                                   .order_by(Card.id)).all() == [
            card_id, new_id]
        # The new card takes a PIN of its own; the old PIN stays with the old card.
    holder.post(f"/compte/carte/{new_id}/pin", data={"pin": "1357"})
    with app.app_context():
        check_pin(db.session, new_id, "1357")
    # HR's campaign report follows the credit to the new card, and a withdrawal takes it from there.
    employer_id = hr_world["employer_id"]
    report = hr_client.get(f"/entreprise/{employer_id}/campagnes/{campaign_id}/export.csv").get_data(as_text=True)
    assert "M002;Bernard Luc;120,00;oui;120,00;non" in report
    with app.app_context():
        recipient_id = db.session.scalar(select(CampaignEmployee.id).where(CampaignEmployee.card_id == card_id))
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/beneficiaires/{recipient_id}/retirer",
                   data={"confirm": "y"})
    with app.app_context():
        assert card_balance(db.session, new_id) == 0 and verify(db.session) == []


def _signed_up(app, email):
    client = app.test_client()
    client.post("/inscription", data={"email": email, "password": "une-phrase-longue",
                                      "password_confirm": "une-phrase-longue"})
    return client


def _confirmed(app, email) -> bool:
    from marketplace.models import User

    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email)).email_confirmed


def test_claiming_the_card_from_the_link_mailed_to_one_s_address_confirms_it(app, hr_client, hr_world):
    """The employee who signs up from the card's mail does not need a second link before ordering."""
    _, card_id, path = issued_campaign(app, hr_client, hr_world)
    luc = _signed_up(app, "luc@example.fr")
    assert not _confirmed(app, "luc@example.fr")
    assert "Votre carte est rattachée" in luc.post(path, follow_redirects=True).get_data(as_text=True)
    assert _confirmed(app, "luc@example.fr")


def test_claiming_with_another_address_confirms_nothing(app, hr_client, hr_world):
    _, card_id, path = issued_campaign(app, hr_client, hr_world)
    other = _signed_up(app, "quelquun@example.fr")
    other.post(path)
    with app.app_context():
        assert db.session.get(Card, card_id).holder_user_id is not None
    assert not _confirmed(app, "quelquun@example.fr")
