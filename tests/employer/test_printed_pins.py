"""Cards handed out on paper (employees without e-mail) carry a PIN on a tear-off slip, asked at every
payment until the holder chooses their own; the HR sheet shows full numbers only on those cards."""
import re

import pytest
from sqlalchemy import select

from loyalty import ledger
from loyalty.cards import set_pin
from loyalty.errors import PinRequired, WrongPin
from loyalty.models import Card
from marketplace.extensions import db

from .test_campaigns import create, funded_by_transfer


def issued(app, hr_client, hr_world) -> tuple[str, int, int]:
    employer_id = hr_world["employer_id"]
    campaign_id = create(hr_client, employer_id, amount="120", child_amount="")
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    with app.app_context():
        anne, claire = (db.session.scalar(select(Card.id).where(Card.employee_id == hr_world["employees"][key]))
                        for key in ("M003", "M001"))
    return f"/entreprise/{employer_id}/campagnes/{campaign_id}/cartes", anne, claire


def pay(app, hr_world, card_id, key, pin=None):
    """10 € at the toy shop, where the territory asks no PIN up to 20 €."""
    with app.app_context():
        return ledger.redeem(db.session, card_id=card_id, shop_id=hr_world["shops"]["toys"], amount_cents=1_000,
                             key=key, actor="test", pin=pin, pin_required_above_cents=2_000)


def printed(page: str) -> dict[str, str]:
    """Last 4 digits → PIN, from the sheet's slips."""
    return dict(re.findall(r"se terminant par (\d{4})</p>\s*<p class=\"pin\" data-testid=\"printed-pin\">(\d{4})<",
                           page))


def test_a_card_for_an_employee_without_email_pays_nothing_until_printed_with_its_pin(app, hr_client, hr_world):
    sheet, anne, claire = issued(app, hr_client, hr_world)
    with app.app_context():
        number = db.session.get(Card, anne).number
    with pytest.raises(PinRequired):  # below the threshold too: nobody knows its PIN yet
        pay(app, hr_world, anne, "before print")

    preview = hr_client.get(f"{sheet}?sans_email=1")
    html = preview.get_data(as_text=True)
    assert html.count('data-testid="printed-card"') == 1 and number not in html and number[-4:] in html
    assert 'data-testid="printed-pin"' not in html and preview.headers["Cache-Control"] == "no-store"

    sheet_page = hr_client.post(sheet, data={"sans_email": "1"})
    html = sheet_page.get_data(as_text=True)
    assert sheet_page.headers["Cache-Control"] == "no-store"
    assert " ".join(number[i:i + 4] for i in range(0, 16, 4)) in html  # in full on the card part
    pin = printed(html)[number[-4:]]
    assert len(pin) == 4 and pin.isdigit()  # the slip names the card by its last 4 digits only
    with pytest.raises(PinRequired):  # a printed PIN is asked whatever the amount
        pay(app, hr_world, anne, "no pin")
    assert pay(app, hr_world, anne, "printed pin", pin=pin).amount_cents == 1_000

    again = printed(hr_client.post(sheet, data={"sans_email": "1"}).get_data(as_text=True))[number[-4:]]
    if again != pin:  # a new sheet replaces the PIN printed before
        with pytest.raises(WrongPin):
            pay(app, hr_world, anne, "old pin", pin=pin)
    with app.app_context():
        set_pin(db.session, anne, "2468")  # the holder chooses their own: the threshold applies again
    assert pay(app, hr_world, anne, "own pin, small amount").amount_cents == 1_000


def test_cards_whose_holder_has_a_pin_get_none_printed_and_a_masked_number(app, hr_client, hr_world):
    sheet, anne, claire = issued(app, hr_client, hr_world)
    with app.app_context():
        before = db.session.get(Card, claire).pin_hash  # e-mailed to her
        claire_number = db.session.get(Card, claire).number
        anne_number = db.session.get(Card, anne).number
    html = hr_client.post(sheet).get_data(as_text=True)
    slips = printed(html)
    assert anne_number[-4:] in slips and claire_number[-4:] not in slips
    assert claire_number not in html.replace(" ", "") and "Pas de code PIN imprimé" in html
    with app.app_context():
        assert db.session.get(Card, claire).pin_hash == before
