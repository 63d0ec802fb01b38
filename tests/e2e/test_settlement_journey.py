"""Paying the shops in a real browser: the admin prepares last month's settlement, downloads the
SEPA file, marks it paid; the baker sees the statement."""
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from playwright.sync_api import expect
from sqlalchemy import select

from config import DevelopmentConfig
from loyalty.clock import paris_day, utc_now
from loyalty import ledger
from loyalty.cards import create_card
from marketplace.extensions import db
from marketplace.models import Shop
from tests.e2e.axe import audit
from tests.e2e.conftest import expect_rows_as_cards, log_in, log_out, screenshot

XSD = Path(__file__).resolve().parents[1] / "data" / "pain.001.001.03.xsd"
IBAN = "FR7630006000011234567890189"


@pytest.fixture
def last_month_sale(live_app, screen):
    """A 25 € card payment at the Boulangerie Moreau on the 10th of last month (on the desktop run;
    of the month before on the phone run: each settles its own month)."""
    day = paris_day(utc_now()).replace(day=1)
    for _ in range(1 if screen == "desktop" else 2):
        day = (day - timedelta(days=1)).replace(day=1)
    day = day.replace(day=10)
    with live_app.app_context():
        shop = db.session.scalar(select(Shop).where(Shop.name == "Boulangerie Moreau"))
        shop.iban = IBAN
        db.session.commit()
        card = create_card(db.session, active=True)
        ledger.fund(db.session, amount_cents=2500, key=f"e2e-settle-fund-{card.id}", actor="system")
        ledger.issue_grant(db.session, card_id=card.id, amount_cents=2500, label="Cadeau",
                           expires_on=paris_day(utc_now()) + timedelta(days=60), key=f"e2e-settle-grant-{card.id}",
                           actor="system", expiry_policy="territory", now=datetime(day.year, day.month, 1, tzinfo=UTC))
        ledger.redeem(db.session, card_id=card.id, shop_id=shop.id, amount_cents=2500,
                      key=f"e2e-settle-redeem-{card.id}", actor="system",
                      now=datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
    return day


def test_admin_pays_last_month_and_the_shop_sees_its_statement(page, last_month_sale):
    """From the demo's configuration: its territory account is the debtor of a valid pain.001."""
    day = last_month_sale
    log_in(page, "admin@demo.halle.fr")
    expect(page.get_by_test_id("role-home")).to_be_visible()
    page.get_by_role("link", name="Règlements des commerces").click()
    audit(page)
    page.get_by_label("Période", exact=True).select_option("monthly")
    page.get_by_label("Un jour de la période").fill(day.isoformat())
    page.get_by_role("button", name="Préparer le règlement").click()
    expect(page.get_by_role("heading", name=re.compile("Règlement n°"))).to_be_visible()
    row = page.get_by_test_id("statements").get_by_role("row").filter(has_text="Boulangerie Moreau")
    expect(row).to_contain_text(re.compile(r"25,00\s€"))
    expect_rows_as_cards(page.get_by_test_id("statements"))
    screenshot(page, "settlement-run")
    row.get_by_role("link").first.click()  # the shop's statement, as the admin reads it
    expect(page.get_by_role("heading", level=1)).to_contain_text("Relevé R")
    screenshot(page, "settlement-statement-admin")
    page.go_back()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Télécharger le fichier de virements SEPA").click()
    xml = Path(download_info.value.path()).read_bytes()
    document = etree.fromstring(xml)
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(document)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    amounts = {tx.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=ns): tx.findtext(".//p:InstdAmt", namespaces=ns)
               for tx in document.findall(".//p:CdtTrfTxInf", ns)}
    assert amounts[IBAN] == "25.00"
    assert document.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == DevelopmentConfig.TERRITORY_IBAN

    page.get_by_text("Marquer comme payé (virements envoyés à la banque)").click()  # a disclosure: final, confirmed
    page.get_by_label(re.compile("Je confirme : la banque a reçu les virements")).check()
    page.get_by_role("button", name="Marquer comme payé", exact=True).click()
    expect(page.get_by_test_id("run-status")).to_contain_text("payé le")
    screenshot(page, "settlement-run-paid")
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    page.goto(f"/admin/statistiques?annee={day.year}")
    expect(page.get_by_test_id("table-communes")).to_contain_text("Semur-en-Auxois")
    page.wait_for_function("() => window.Chart && document.querySelectorAll('canvas[data-chart]').length > 0"
                           " && [...document.querySelectorAll('canvas[data-chart]')].every((c) => Chart.getChart(c))")
    assert errors == []
    screenshot(page, "territory-statistics")
    log_out(page)
    audit(page)

    log_in(page, "commercant@demo.halle.fr")
    page.get_by_role("button", name="Relevés de règlement").click()
    audit(page)
    statement_row = page.get_by_test_id("shop-statements").get_by_role("row").filter(
        has_text=day.replace(day=1).strftime("%d/%m/%Y"))
    expect(statement_row).to_contain_text(re.compile(r"25,00\s€"))
    expect(statement_row).to_contain_text("payé")
    expect_rows_as_cards(page.get_by_test_id("shop-statements"))
    statement_row.get_by_role("link").first.click()
    expect(page.get_by_test_id("statement-lines")).to_contain_text("Paiement carte")
    expect(page.get_by_test_id("statement-payout")).to_have_text(re.compile(r"25,00\s€"))
    expect_rows_as_cards(page.get_by_test_id("statement-lines"))  # on a phone, the amounts on screen
    screenshot(page, "shop-statement")


def test_dashboard_counts_what_waits_in_the_demo_territory(page, live_app):
    from sqlalchemy import func

    from marketplace.models import Employer, SettlementRun

    with live_app.app_context():
        expected = [db.session.scalar(select(func.count()).select_from(Shop).where(Shop.status == "pending")),
                    db.session.scalar(select(func.count()).select_from(Employer).where(Employer.status == "pending")),
                    None,  # bank transfers: checked by the employer tests
                    db.session.scalar(select(func.count()).select_from(SettlementRun)
                                      .where(SettlementRun.status.in_(("draft", "paying"))))]
    log_in(page, "admin@demo.halle.fr")
    counts = page.get_by_test_id("waiting").locator("article strong").all_inner_texts()
    assert [int(c) for c, e in zip(counts, expected) if e is not None] == [e for e in expected if e is not None]
    page.get_by_role("link", name=re.compile(r"^commerces? à valider$")).click()  # singular for one
    expect(page.get_by_role("heading", name="Commerces à valider")).to_be_visible()
    audit(page)
