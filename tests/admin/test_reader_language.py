"""What the territory sends or shows a shopkeeper reads in the shopkeeper's language: the
settlement email and statement CSV, and why the territory hid a product."""
from datetime import date

from sqlalchemy import select

from marketplace import settlement
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import AuditEvent, Product, ProductReport, SettlementStatement, Shop, User
from tests import factories as f
from tests.conftest import login

OCTOBER = ("monthly", date(2026, 10, 1), date(2026, 10, 31))


def _speaks_english(email: str) -> None:
    db.session.scalar(select(User).filter_by(email=email)).locale = "en"
    db.session.commit()


def test_settlement_email_and_statement_csv_in_the_owner_s_language(app, territory, client):
    with app.app_context():
        _speaks_english(territory.owner_email)
        run = settlement.create_run(*OCTOBER)
        settlement.mark_paid(run)
        statement_id = db.session.scalar(select(SettlementStatement.id).where(
            SettlementStatement.shop_id == territory.fournil_id))
        [mail] = [m for m in outbox() if m["To"] == territory.owner_email]
    assert mail["Subject"].endswith(": €44.32 transferred")
    assert "The territory has just transferred €44.32 to Fournil" in mail.get_content()

    login(client, territory.owner_email)
    english = client.get(f"/boutique/{territory.fournil_id}/releves/{statement_id}.csv").data.decode("utf-8-sig")
    assert english.splitlines()[1] == "date;operation;card;entry;amount (€)"
    assert "\r\n;Transfer;;;44,32" in english and "Commission (1,50%)" in english
    french = client.get(f"/boutique/{territory.fournil_id}/releves/{statement_id}.csv?lang=fr")
    french = french.data.decode("utf-8-sig")
    assert french.splitlines()[1] == "date;opération;carte;écriture;montant (€)"
    assert "Virement;;;44,32" in french and "Commission (1,50 %)" in french


def test_the_reason_of_a_hidden_product_reads_in_the_owner_s_language(app, territory, client):
    with app.app_context():
        product = f.product(db.session.get(Shop, territory.fournil_id), "Couteau de chasse")
        db.session.commit()
        report = ProductReport(product_id=product.id, reason="illegal", comment="Lame trop longue")
        db.session.add(report)
        _speaks_english(territory.owner_email)
        product_id, report_id = product.id, report.id
    login(client, territory.admin_email)
    client.post(f"/admin/signalements/{report_id}/masquer", data={"confirm": "y"})
    admin_page = client.get("/admin/").get_data(as_text=True)
    assert "Produit interdit ou dangereux" in admin_page  # the admin reads French
    with app.app_context():
        assert db.session.get(Product, product_id).hidden_reason == "illegal"
        [mail] = [m for m in outbox() if m["To"] == territory.owner_email]
    assert mail["Subject"] == "“Couteau de chasse” is hidden on Halle"
    assert "(reason: Prohibited or dangerous product — “Lame trop longue”)" in mail.get_content()
    client.post("/deconnexion")
    login(client, territory.owner_email)
    listing = client.get(f"/boutique/{territory.fournil_id}/produits").get_data(as_text=True)
    assert "Prohibited or dangerous product" in listing and "Produit interdit" not in listing


def test_a_reason_stored_before_the_codes_is_shown_as_it_is(app, territory):
    with app.app_context():
        product = f.product(db.session.get(Shop, territory.fournil_id), "Couteau", hidden_reason="Contrefaçon")
        assert product.hidden_reason_label == "Contrefaçon"


def test_the_audit_log_reads_in_the_admin_s_language_and_keeps_codes_not_labels(app, territory, client):
    with app.app_context():
        product = f.product(db.session.get(Shop, territory.fournil_id), "Couteau de chasse")
        db.session.commit()
        report = ProductReport(product_id=product.id, reason="illegal")
        db.session.add(report)
        db.session.commit()
        report_id = report.id
    login(client, territory.admin_email)
    client.get("/admin/?lang=en")  # this admin reads English: nothing English goes into the log
    client.post(f"/admin/signalements/{report_id}/masquer", data={"confirm": "y"})
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert event.after == {"active": False, "hidden_reason": "illegal"}
    assert event.summary == "« Couteau de chasse » (Fournil) masqué après signalement"
    english = client.get("/admin/journal.csv").data.decode("utf-8-sig").splitlines()
    assert english[0] == "date (UTC);author;action;object;id;summary;before;after"
    assert "masqué après signalement" in english[1]  # a summary stays as it was written
    french = client.get("/admin/journal.csv?lang=fr").data.decode("utf-8-sig").splitlines()
    assert french[0] == "date (UTC);auteur;action;objet;id;résumé;avant;après"
