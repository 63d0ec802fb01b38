"""What waits on the admin's dashboard besides approvals: reported products and lockers in
trouble, each handled in one click with an email to the person concerned."""
from datetime import timedelta

from sqlalchemy import select

from marketplace import lockers
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import (AuditEvent, Compartment, LockerEvent, Order, OrderShop, Product, ProductReport,
                                Shop)
from marketplace.models.base import utcnow
from search.models import IndexOutbox
from tests import factories as f
from tests.conftest import login


def _product(app, territory, name="Couteau de chasse") -> int:
    with app.app_context():
        product = f.product(db.session.get(Shop, territory.fournil_id), name)
        db.session.commit()
        return product.id


def test_anyone_reports_a_product_with_a_reason_from_the_list(app, territory, client):
    product_id = _product(app, territory)
    page = client.get(f"/produits/{product_id}").get_data(as_text=True)
    assert f'href="/produits/{product_id}/signaler"' in page
    form = client.get(f"/produits/{product_id}/signaler").get_data(as_text=True)
    assert "Produit interdit ou dangereux" in form and "<legend>Motif</legend>" in form
    refused = client.post(f"/produits/{product_id}/signaler", data={"reason": "whatever", "comment": "x"})
    assert "Motif : choisissez dans la liste." in refused.get_data(as_text=True)
    too_long = client.post(f"/produits/{product_id}/signaler", data={"reason": "other", "comment": "x" * 501})
    assert 'id="comment-error"' in too_long.get_data(as_text=True)
    done = client.post(f"/produits/{product_id}/signaler", data={"reason": "illegal", "comment": "Lame trop longue"},
                       follow_redirects=True)
    assert "va examiner ce produit." in done.get_data(as_text=True)
    with app.app_context():
        [report] = db.session.scalars(select(ProductReport)).all()
        assert (report.reason, report.comment, report.reporter_id, report.status) == (
            "illegal", "Lame trop longue", None, "open")


def test_reporting_is_rate_limited(app, territory, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "PRODUCT_REPORT_RATE_LIMIT", "2 per hour")
    from marketplace.extensions import limiter

    was_enabled, limiter.enabled = limiter.enabled, True
    try:
        product_id = _product(app, territory)
        codes = [client.post(f"/produits/{product_id}/signaler", data={"reason": "other"}).status_code
                 for _ in range(3)]
    finally:
        limiter.enabled = was_enabled
        limiter.reset()
    assert codes == [302, 302, 429]


def test_admin_hides_a_reported_product_and_the_owner_is_told(app, territory, client):
    product_id = _product(app, territory)
    with app.app_context():
        reporter = f.user("habitant@example.fr")
        db.session.add_all([ProductReport(product_id=product_id, reason="illegal", reporter_id=reporter.id),
                            ProductReport(product_id=product_id, reason="offensive")])
        db.session.commit()
        first, second = [r.id for r in db.session.scalars(select(ProductReport).order_by(ProductReport.id))]
        db.session.execute(IndexOutbox.__table__.delete())
        db.session.commit()
    login(client, territory.admin_email)
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert '<strong>2</strong> <a href="#signalements">produits signalés' in dashboard
    client.post(f"/admin/signalements/{first}/masquer", data={})  # not confirmed: nothing happens
    with app.app_context():
        assert db.session.get(Product, product_id).active
    client.post(f"/admin/signalements/{first}/masquer", data={"confirm": "y"})
    with app.app_context():
        assert not db.session.get(Product, product_id).active
        assert [r.status for r in db.session.scalars(select(ProductReport).order_by(ProductReport.id))] == [
            "hidden", "hidden"]
        assert ("product", product_id) in {(r.kind, r.entity_id) for r in db.session.scalars(select(IndexOutbox))}
        mail = outbox()[-1]
        assert mail["To"] == territory.owner_email and "Produit interdit ou dangereux" in mail.get_content()
        assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "product.hide"
    assert client.get(f"/produits/{product_id}").status_code == 404
    again = client.post(f"/admin/signalements/{second}/ignorer", follow_redirects=True)
    assert "déjà traité" in again.get_data(as_text=True)
    assert "Aucun produit signalé." in client.get("/admin/").get_data(as_text=True)


def test_admin_dismisses_a_report_and_the_reporter_is_told(app, territory, client):
    product_id = _product(app, territory)
    with app.app_context():
        reporter = f.user("habitant@example.fr")
        report = ProductReport(product_id=product_id, reason="misleading", reporter_id=reporter.id)
        db.session.add(report)
        db.session.commit()
        report_id = report.id
    login(client, territory.admin_email)
    client.post(f"/admin/signalements/{report_id}/ignorer")
    with app.app_context():
        assert db.session.get(ProductReport, report_id).status == "dismissed"
        assert db.session.get(Product, product_id).active
        assert outbox()[-1]["To"] == "habitant@example.fr"


def test_dashboard_lists_locker_problems_and_reminds_the_shop(app, territory, client):
    with app.app_context():
        bank = lockers.create_bank(sizes=("S", "M"), slug="semur", name="Semur centre", commune_insee="21603",
                                   address="Place de l'Ancienne Comédie")
        resident = f.user("client@example.fr")
        order = Order(user_id=resident.id, checkout_key="k1", status="paid", total_cents=1_000)
        db.session.add(order)
        db.session.flush()
        compartment = db.session.scalar(select(Compartment).filter_by(bank_id=bank.id, label="S01"))
        sub = OrderShop(order_id=order.id, shop_id=territory.fournil_id, status="ready", subtotal_cents=1_000,
                        pickup_kind="locker", locker_bank_id=bank.id, compartment_id=compartment.id,
                        pickup_code="123456", code_expires_at=utcnow() - timedelta(hours=1))
        db.session.add(sub)
        db.session.flush()
        compartment.order_shop_id = sub.id
        db.session.add_all([LockerEvent(bank_id=bank.id, kind="refused") for _ in range(lockers.MAX_FAILED_OPENS)])
        db.session.commit()
        sub_id = sub.id
    login(client, territory.admin_email)
    page = client.get("/admin/").get_data(as_text=True)
    assert '<strong>2</strong> <a href="#consignes">problèmes de consignes' in page
    assert "clavier bloqué : 10 codes erronés" in page and "casier S01 : colis de Fournil" in page
    english = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "keypad locked: 10 wrong codes in less than 15 minutes" in english
    assert "compartment S01: parcel from Fournil (order " in english and "not collected, code expired" in english
    client.get("/admin/?lang=fr")
    client.post(f"/admin/consignes/colis/{sub_id}/prevenir")
    with app.app_context():
        mail = outbox()[-1]
        assert mail["To"] == territory.owner_email and "casier S01" in mail.get_content()
        assert db.session.scalar(select(AuditEvent.action)) == "locker.parcel_reminder"


def test_a_renamed_approved_shop_stays_online_and_shows_on_the_dashboard(app, territory, client):
    """No new review for a one-person shop's new name, but the admin sees who renamed what."""
    login(client, territory.owner_email)
    settings = client.get(f"/boutique/{territory.fournil_id}/parametres").get_data(as_text=True)
    assert "Fournil" in settings
    with app.app_context():
        shop = db.session.get(Shop, territory.fournil_id)
        form = {"name": "Fournil <b>du Lac</b>", "category": shop.category_id, "commune": shop.commune_insee,
                "address": shop.address or "1 rue du Four", "accepts_card": "y", "siret": shop.siret or "73282932000074"}
    saved = client.post(f"/boutique/{territory.fournil_id}/parametres", data=form, follow_redirects=True)
    assert "Informations enregistrées." in saved.get_data(as_text=True)
    with app.app_context():
        shop = db.session.get(Shop, territory.fournil_id)
        assert (shop.name, shop.status) == ("Fournil <b>du Lac</b>", "approved")
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "shop.rename")).all()
        assert (event.before, event.after) == ({"name": "Fournil"}, {"name": "Fournil <b>du Lac</b>"})
    client.post("/deconnexion", data={})
    login(client, territory.admin_email)
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "« Fournil » →" in dashboard and "Fournil &lt;b&gt;du Lac&lt;/b&gt;" in dashboard
    assert f'href="/admin/commerces/{territory.fournil_id}"' in dashboard
