"""Settling the shops at the territory's cadence: the scheduler makes the run due with no click,
pays it when nothing needs a decision, leaves it a draft on the dashboard otherwise; the
admin sets the cadence; each shop sees its next payment, the amount and the fee, before it happens."""
from datetime import UTC, date, datetime

import pytest
from lxml import etree
from sqlalchemy import func, select

from loyalty.verify import verify
from marketplace import periodic, settlement_schedule
from marketplace.extensions import db
from marketplace.models import SettlementRun, Shop, TerritorySettings
from marketplace.settings import card_settings
from tests.admin.conftest import IBAN
from tests.conftest import login


def text(response) -> str:
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")


def runs() -> list[SettlementRun]:
    return list(db.session.scalars(select(SettlementRun).order_by(SettlementRun.id)))


def test_daily_cadence_pays_yesterday_with_no_click_once(app, territory, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SETTLEMENT_CADENCE", "daily")
    monkeypatch.setitem(app.config, "SEPA_OUTBOX_DIR", str(tmp_path))
    with app.app_context():
        run = settlement_schedule.run_scheduled(today=date(2026, 10, 6))  # a Tuesday: Monday the 5th is due
        assert (run.period, run.starts_on, run.ends_on, run.status) == ("daily", date(2026, 10, 5),
                                                                         date(2026, 10, 5), "paid")
        assert run.created_by_id is None and run.execution_date == date(2026, 10, 7)
        (statement,) = run.statements
        # 20,00 € + 15,00 € − 15,00 € (void) of the 5th; 1,5 % kept.
        assert (statement.shop_id, statement.gross_cents, statement.commission_cents, statement.payout_cents,
                statement.status) == (territory.fournil_id, 2_000, 30, 1_970, "paid")
        sepa = etree.fromstring((tmp_path / f"virements-reglement-{run.id}.xml").read_bytes())
        namespace = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
        assert sepa.findtext(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", namespaces=namespace) == \
            f"HALLE-{statement.number}"
        assert settlement_schedule.run_scheduled(today=date(2026, 10, 6)) is None  # the scheduler again
        assert len(runs()) == 1
        assert verify(db.session) == []


def test_weekly_by_default_and_a_run_needing_a_decision_stays_a_draft(app, territory, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SEPA_OUTBOX_DIR", str(tmp_path))
    with app.app_context():
        assert card_settings().settlement_cadence == "weekly"
        assert any(entry[0] is periodic.settle_on_schedule for entry in periodic.PERIODIC)  # the scheduler runs it
        run = settlement_schedule.run_scheduled(today=date(2026, 10, 13))
        assert (run.period, run.starts_on, run.ends_on, run.status) == ("weekly", date(2026, 10, 5),
                                                                          date(2026, 10, 11), "draft")
        reasons = settlement_schedule.decisions(run)
        assert any("Sans IBAN valide, ne peuvent pas être payés : Epicerie" in reason for reason in reasons)
        assert list(tmp_path.iterdir()) == []  # no file sent for a run waiting for a decision
        run_id = run.id
    admin = app.test_client()
    login(admin, territory.admin_email)
    page = text(admin.get("/admin/"))
    assert "Règlements qui attendent une décision" in page and f"Règlement n° {run_id}" in page
    assert "Sans IBAN valide, ne peuvent pas être payés : Epicerie" in page
    assert "Sans IBAN valide" in text(admin.get(f"/admin/reglements/{run_id}"))


def test_without_a_sepa_folder_the_admin_sends_the_file(app, territory, monkeypatch):
    monkeypatch.setitem(app.config, "SETTLEMENT_CADENCE", "daily")
    with app.app_context():
        run = settlement_schedule.run_scheduled(today=date(2026, 10, 6))
        assert run.status == "draft"
        assert any("Téléchargez le fichier de virements" in reason for reason in settlement_schedule.decisions(run))


def test_manual_cadence_makes_no_run(app, territory, monkeypatch):
    monkeypatch.setitem(app.config, "SETTLEMENT_CADENCE", "manual")
    with app.app_context():
        assert settlement_schedule.run_scheduled(today=date(2026, 10, 13)) is None
        assert db.session.scalar(select(func.count()).select_from(SettlementRun)) == 0


def test_the_admin_sets_the_cadence(app, territory):
    admin = app.test_client()
    login(admin, territory.admin_email)
    form = {"card_prefix": "9250", "commission_bps": "150", "pin_required_above": "", "pin_lock_minutes": "30"}
    page = text(admin.get("/admin/reglages-carte"))
    assert "Chaque lundi" in page and "Chaque lundi : pour la semaine écoulée" in page
    admin.post("/admin/reglages-carte", data={**form, "settlement_cadence": "daily"})
    with app.app_context():
        assert card_settings().settlement_cadence == "daily"
        assert db.session.scalar(select(TerritorySettings.settlement_cadence)) == "daily"
    assert "réglés automatiquement chaque jour" in text(admin.get("/admin/reglages-carte"))
    answer = admin.post("/admin/reglages-carte", data={**form, "settlement_cadence": "hourly"})
    assert "Rythme des règlements : chaque jour, chaque semaine ou manuel." in text(answer)
    with app.app_context():
        assert card_settings().settlement_cadence == "daily"  # refused, nothing changed


@pytest.mark.parametrize(("cadence", "expected"), [
    ("weekly", ["chaque semaine, le lundi", "le 09/11/2026 pour vos opérations jusqu'au 08/11/2026",
                "pour le 10/11/2026"]),
    ("daily", ["chaque jour", "le 05/11/2026 pour vos opérations jusqu'au 04/11/2026", "pour le 06/11/2026"]),
])
def test_the_shop_sees_its_next_payment_amount_and_fee(app, territory, monkeypatch, cadence, expected):
    monkeypatch.setitem(app.config, "SETTLEMENT_CADENCE", cadence)
    monkeypatch.setattr(settlement_schedule, "utc_now", lambda: datetime(2026, 11, 4, 10, tzinfo=UTC))  # a Wednesday
    owner = app.test_client()
    login(owner, territory.owner_email)
    page = text(owner.get(f"/boutique/{territory.fournil_id}/releves/"))
    for words in expected:
        assert words in page
    # Everything not settled yet: 20 + 15 − 15 + 30 − 5 + 7 = 52,00 €, less 1,5 % (0,78 €).
    assert "52,00 €" in page and "Commission du territoire (1,50 %)" in page and "-0,78 €" in page
    assert "51,22 €" in page
    with app.app_context():
        db.session.get(Shop, territory.fournil_id).iban = None
        db.session.commit()
    assert "Votre IBAN manque ou n'est pas valide" in text(owner.get(f"/boutique/{territory.fournil_id}/releves/"))
    with app.app_context():
        db.session.get(Shop, territory.fournil_id).iban = IBAN
        db.session.commit()
    monkeypatch.setitem(app.config, "SETTLEMENT_CADENCE", "manual")
    assert "Le territoire prépare les règlements à la main" in text(owner.get(f"/boutique/{territory.fournil_id}/releves/"))
