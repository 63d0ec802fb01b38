"""A product the territory hid after a report stays hidden: the shop sees why and cannot switch it
back on (form, bulk action, import); only the admin's "Rétablir" brings it back, logged and emailed."""
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import AuditEvent, Product, ProductReport, Shop
from tests import factories as f
from tests.conftest import login


def _hidden_product(app, territory, client) -> int:
    with app.app_context():
        product = f.product(db.session.get(Shop, territory.fournil_id), "Couteau de chasse")
        db.session.commit()
        report = ProductReport(product_id=product.id, reason="illegal", comment="Lame trop longue")
        db.session.add(report)
        db.session.commit()
        product_id, report_id = product.id, report.id
    login(client, territory.admin_email)
    client.post(f"/admin/signalements/{report_id}/masquer", data={"confirm": "y"})
    client.post("/deconnexion")
    return product_id


def _edit_form(product: Product, **overrides) -> dict:
    data = {"name": product.name, "price": "12,50", "unit": "", "category": str(product.category_id),
            "stock": "", "description": "", "sku": "", "ean": "", "active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_owner_cannot_put_back_on_line_a_product_the_territory_hid(app, territory, client):
    product_id = _hidden_product(app, territory, client)
    with app.app_context():
        product = db.session.get(Product, product_id)
        assert (product.active, product.hidden_reason) == (False, "illegal")  # the code; shown translated
        assert product.hidden_by_admin_at is not None
        form = _edit_form(product, name="Couteau de cuisine")
    base = f"/boutique/{territory.fournil_id}/produits"
    login(client, territory.owner_email)
    listing = client.get(base).get_data(as_text=True)
    assert "Masqué par le territoire : Produit interdit ou dangereux" in listing
    page = client.get(f"{base}/{product_id}").get_data(as_text=True)
    assert "Masqué par le territoire : Produit interdit ou dangereux" in page and 'name="active"' not in page

    refused = client.post(f"{base}/{product_id}", data=form).get_data(as_text=True)
    assert "vous ne pouvez pas le remettre en ligne. Rien n&#39;a été modifié." in refused
    client.post(f"{base}/actions", data={"action": "activate", "product_ids": [str(product_id)]})
    with app.app_context():
        product = db.session.get(Product, product_id)
        assert (product.name, product.active) == ("Couteau de chasse", False)
        assert product.hidden_by_admin
    assert client.get(f"/produits/{product_id}").status_code == 404

    # Editing without asking to go back on line still works (the product stays hidden).
    saved = client.post(f"{base}/{product_id}", data={**form, "active": ""}, follow_redirects=True)
    assert "est enregistré" in saved.get_data(as_text=True)
    with app.app_context():
        product = db.session.get(Product, product_id)
        assert (product.name, product.active, product.hidden_by_admin) == ("Couteau de cuisine", False, True)


def test_admin_restores_a_hidden_product(app, territory, client):
    product_id = _hidden_product(app, territory, client)
    login(client, territory.admin_email)
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert 'data-testid="hidden-products"' in dashboard and "Couteau de chasse (Fournil)" in dashboard
    assert f'<label for="unhide-{product_id}">' in dashboard

    client.post(f"/admin/produits/{product_id}/retablir", data={})  # not confirmed: nothing happens
    with app.app_context():
        assert db.session.get(Product, product_id).hidden_by_admin
    done = client.post(f"/admin/produits/{product_id}/retablir", data={"confirm": "y"}, follow_redirects=True)
    assert "Produit rétabli : « Couteau de chasse »" in done.get_data(as_text=True)
    assert "Aucun produit masqué." in done.get_data(as_text=True)
    with app.app_context():
        product = db.session.get(Product, product_id)
        assert (product.active, product.hidden_by_admin_at, product.hidden_reason) == (True, None, None)
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "Product")
                                          .order_by(AuditEvent.id)))
        assert actions == ["product.hide", "product.unhide"]
        mail = outbox()[-1]
        assert mail["To"] == territory.owner_email and "de nouveau en ligne" in mail.get_content()
    assert client.get(f"/produits/{product_id}").status_code == 200
    again = client.post(f"/admin/produits/{product_id}/retablir", data={"confirm": "y"}, follow_redirects=True)
    assert "n&#39;est pas masqué par le territoire" in again.get_data(as_text=True)


def test_only_the_admin_restores(app, territory, client):
    product_id = _hidden_product(app, territory, client)
    login(client, territory.owner_email)
    assert client.post(f"/admin/produits/{product_id}/retablir", data={"confirm": "y"}).status_code == 403
    with app.app_context():
        assert db.session.get(Product, product_id).hidden_by_admin


def test_the_territory_s_mark_alone_keeps_a_product_off_every_public_page(app, territory, client):
    """One visibility predicate (Product.on_sale): even with the shop's switch on, hidden means hidden."""
    from marketplace import catalogue
    from marketplace.cart import availability_problem
    from marketplace.models.base import utcnow

    with app.app_context():
        product = f.product(db.session.get(Shop, territory.fournil_id), "Couteau de chasse")
        product.hidden_by_admin_at, product.hidden_reason = utcnow(), "illegal"
        db.session.commit()
        product_id = product.id
        assert product.active and not product.on_sale and not product.is_public
        assert product_id not in db.session.scalars(catalogue.public_products().with_only_columns(Product.id)).all()
        with app.test_request_context():
            assert "n'est plus en vente" in availability_problem(product, 1)
    assert client.get(f"/produits/{product_id}").status_code == 404
    assert client.get(f"/produits/{product_id}/signaler").status_code == 404
