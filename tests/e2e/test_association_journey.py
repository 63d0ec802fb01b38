"""A merchants' association's manager (the demo's "union" persona) on a desktop and on a phone: sees
the members, approves a shop's request to join, creates a top-up programme of the association, and
reads the members' card figures. Each screen approves a request of its own and pays at a member
shop of its own amount."""
import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from loyalty import ledger
from loyalty.clock import paris_day, utc_now
from marketplace import associations
from marketplace.demo import DEMO_ASSOCIATION, DEMO_DOMAIN, SEMUR_INSEE
from marketplace.extensions import db
from marketplace.formatting import money
from marketplace.models import Association, AssociationMember, Shop, User
from marketplace.orders import resident_card
from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, screenshot

MANAGER = f"union@{DEMO_DOMAIN}"
PAID = {"desktop": 1_230, "phone": 870}


def _request_and_payment(live_app, screen) -> str:
    """A Semur shop asks to join; the demo resident pays at a member shop. The shop's name."""
    with live_app.app_context():
        union = db.session.scalar(select(Association).where(Association.name == DEMO_ASSOCIATION))
        taken = select(AssociationMember.shop_id).where(AssociationMember.association_id == union.id)
        shop = db.session.scalar(select(Shop).where(Shop.commune_insee == SEMUR_INSEE, Shop.status == "approved",
                                                    Shop.kind != "services", Shop.id.not_in(taken))
                                 .order_by(Shop.name))
        admin = db.session.scalar(select(User).where(User.email == f"admin@{DEMO_DOMAIN}"))
        associations.ask_to_join(union, shop, by=admin)
        resident = db.session.scalar(select(User).where(User.email == f"resident@{DEMO_DOMAIN}"))
        members = db.session.scalars(select(Shop.id).where(Shop.id.in_(associations.member_shop_ids(union.id)),
                                                           Shop.accepts_card.is_(True)).order_by(Shop.id)).all()
        member = members[list(PAID).index(screen)]  # a row of its own
        ledger.redeem(db.session, card_id=resident_card(resident.id).id, shop_id=member, amount_cents=PAID[screen],
                      key=f"e2e:association:{screen}", actor="test")
        return shop.name


def _month_line(live_app, screen) -> tuple[str, str]:
    """The paying member's line of this month (other journeys on this server may pay there too):
    its name and what the card brought it, as the page writes it."""
    with live_app.app_context():
        union = db.session.scalar(select(Association).where(Association.name == DEMO_ASSOCIATION))
        month = paris_day(utc_now()).replace(day=1)
        members = db.session.scalars(select(Shop).where(Shop.id.in_(associations.member_shop_ids(union.id)),
                                                        Shop.accepts_card.is_(True)).order_by(Shop.id)).all()
        name = members[list(PAID).index(screen)].name
        line = next(f for f in associations.figures(union.id) if f.shop == name and f.month == month)
        assert line.redeemed_cents >= PAID[screen]
        return name, money(line.redeemed_cents)


def test_an_association_manager_approves_a_member_creates_a_programme_and_reads_figures(page, screen, live_app):
    newcomer = _request_and_payment(live_app, screen)
    log_in(page, MANAGER)  # lands on the association's space
    expect(page.get_by_role("heading", name=DEMO_ASSOCIATION)).to_be_visible()
    audit(page)

    page.get_by_role("link", name="Membres", exact=True).click()
    expect(page.get_by_test_id("member").first).to_be_visible()
    request = page.get_by_test_id("join-request").filter(has_text=newcomer)
    expect(request).to_be_visible()
    audit(page)
    request.get_by_role("button", name=re.compile("^Accepter")).click()
    expect(page.get_by_text(f"{newcomer} a rejoint l'union.")).to_be_visible()
    expect(page.get_by_test_id("member").filter(has_text=newcomer)).to_be_visible()
    audit(page)
    screenshot(page, "association-members")

    page.get_by_role("link", name="Programmes d'abondement").click()
    audit(page)
    new = page.get_by_role("button", name="Nouveau programme")  # a button to the eye and the finger
    page.wait_for_load_state()
    assert new.bounding_box()["height"] >= 24
    new.click()
    today = paris_day(utc_now())
    page.get_by_label("Nom du programme").fill(f"Fête des mères ({screen})")
    page.get_by_label("Budget (€)").fill("800")
    page.get_by_label("Abondement (en pourcentage de ce qui est payé)").fill("25")
    page.get_by_label("Abondement au plus par achat (€)").fill("10")
    page.get_by_label("Abondement au plus par personne (€)").fill("20")
    # It starts tomorrow: running, it would top up the cards the other journeys buy on this server.
    page.get_by_label("Début", exact=True).fill((today + timedelta(days=1)).isoformat())
    page.get_by_label("Fin", exact=True).fill((today + timedelta(days=30)).isoformat())
    audit(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name=f"Fête des mères ({screen})")).to_be_visible()
    expect(page.get_by_test_id("budget")).to_have_text(re.compile("800,00"))
    expect(page.get_by_text("se dépense chez ses commerces membres")).to_be_visible()
    audit(page)

    page.get_by_role("link", name="Chiffres de la carte").click()
    name, amount = _month_line(live_app, screen)
    expect(page.get_by_test_id("figure-line").filter(has_text=name).filter(has_text=amount)).to_have_count(1)
    audit(page)
    screenshot(page, "association-figures")
    with page.expect_download() as download:  # the same table, for the association's board
        page.get_by_test_id("figures-csv").click()
    sheet = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert sheet.startswith("Mois;Commerce;Paiements;Encaissé (€)") and f";{name};" in sheet

    # The cards' points of sale, then the public page: its call to buy a gift card is a button.
    page.get_by_role("link", name="Points de vente de cartes").click()
    screenshot(page, "association-counters")
    page.get_by_role("link", name="Page publique").click()
    expect(page.get_by_test_id("public-members")).to_contain_text(newcomer)
    screenshot(page, "association-public-page")  # once loaded, styles included
    assert page.get_by_role("button", name="Offrir une carte cadeau").bounding_box()["height"] >= 24
    page.goto("/unions/")
    expect(page.locator("main").get_by_role("link", name=DEMO_ASSOCIATION)).to_be_visible()
    screenshot(page, "associations-list")
