"""A suspended employer: its campaigns stop moving, its HR members see why, its employees' cards
keep working (they are not at fault)."""
from datetime import date

from sqlalchemy import select

from loyalty import ledger
from marketplace.extensions import db
from marketplace.models import Campaign, Employer
from tests import factories as f
from tests.conftest import login


def _setup(app, territory):
    with app.app_context():
        employer = db.session.scalar(select(Employer).filter_by(name="Laiterie"))
        f.employer_member(employer, f.user("rh@example.fr"))
        draft = Campaign(employer_id=employer.id, event="noel", label="Noël 2026", year=2026, amount_cents=5_000,
                         expires_on=date(2027, 12, 31), status="draft", total_cents=5_000)
        db.session.add(draft)
        db.session.commit()
        return employer.id, draft.id


def test_suspended_employer_cannot_move_campaigns_but_its_cards_still_pay(app, territory, client):
    employer_id, campaign_id = _setup(app, territory)
    login(client, territory.admin_email)
    client.post(f"/admin/suspensions/entreprise/{employer_id}", data={"reason": "Impayés de cotisation"})

    hr = app.test_client()
    login(hr, "rh@example.fr")
    page = hr.get(f"/entreprise/{employer_id}/").get_data(as_text=True)
    assert "suspendue" in page and "Impayés de cotisation" in page
    assert "Nouvelle campagne" not in page

    refused = hr.get(f"/entreprise/{employer_id}/campagnes/nouvelle", follow_redirects=True).get_data(as_text=True)
    assert "ni créer, ni financer, ni émettre" in refused
    hr.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/confirmer", data={"acknowledge": "y"})
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "draft"
        db.session.get(Campaign, campaign_id).status = "awaiting_payment"
        db.session.commit()
    hr.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/virement")
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).payments == []
        # The grant the employer issued before its suspension still pays at a shop.
        result = ledger.redeem(db.session, card_id=territory.card_id, shop_id=territory.fournil_id,
                               amount_cents=1_000, key="after-employer-suspension", actor="system")
        assert result.amount_cents == 1_000

    login(client, territory.admin_email)
    client.post(f"/admin/suspensions/entreprise/{employer_id}", data={"action": "reinstate"})
    hr.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/paiement/virement")
    with app.app_context():
        assert [p.method for p in db.session.get(Campaign, campaign_id).payments] == ["bank"]
