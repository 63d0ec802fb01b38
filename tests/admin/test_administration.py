"""The admin's dashboard, suspensions, audit log and the figures of where the money stays."""
import pytest
from sqlalchemy import select

from loyalty import ledger
from loyalty.errors import ShopRefusesCard
from marketplace import territory_stats
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import AuditEvent, Employer, Shop
from search.models import UnmetSearch
from tests import factories as f
from tests.conftest import login


def test_dashboard_lists_what_waits_with_one_link_each(app, territory, client):
    with app.app_context():
        f.shop("Boucherie", f.commune(**f.EPOISSES), status="pending")
        f.employer("Scierie", db.session.get(Shop, territory.fournil_id).commune, status="pending")
        db.session.commit()
    login(client, territory.admin_email)
    client.post("/admin/reglements", data={"period": "monthly", "day": "2026-10-01"})
    page = client.get("/admin/").get_data(as_text=True)
    waiting = page[page.index('data-testid="waiting"'):]
    assert "<strong>1</strong> <a href=\"/admin/commerces\">" in waiting
    assert "<strong>1</strong> <a href=\"/admin/entreprises/\">" in waiting
    assert "<strong>1</strong> <a href=\"/admin/reglements/1\">règlement à payer" in waiting  # one: singular


def test_every_admin_page_leads_back_to_the_dashboard(territory, client):
    """On a phone the site's menu is folded: each admin page has its own way back."""
    login(client, territory.admin_email)
    assert 'data-testid="back-to-admin"' not in client.get("/admin/").get_data(as_text=True)
    for path in ("/admin/suspensions", "/admin/entreprises/", "/admin/recherche/", "/admin/comptabilite"):
        assert '<a href="/admin/" class="quiet-link" data-testid="back-to-admin">' in client.get(
            path).get_data(as_text=True), path
    assert 'data-testid="back-to-admin"' not in client.get("/recherche").get_data(as_text=True)


def test_suspended_shop_stops_taking_the_card_and_the_action_is_logged(app, territory, client):
    login(client, territory.admin_email)
    client.post(f"/admin/suspensions/commerce/{territory.fournil_id}", data={"reason": ""})
    with app.app_context():
        assert db.session.get(Shop, territory.fournil_id).status == "approved"  # a reason is required
    long = client.post(f"/admin/suspensions/commerce/{territory.fournil_id}", data={"reason": "x" * 5000},
                       follow_redirects=True).get_data(as_text=True)
    assert "Motif de la suspension : 500 caractères au plus." in long
    with app.app_context():
        assert db.session.get(Shop, territory.fournil_id).status == "approved"
    client.post(f"/admin/suspensions/commerce/{territory.fournil_id}", data={"reason": "Fermeture administrative"})
    with app.app_context():
        shop = db.session.get(Shop, territory.fournil_id)
        assert (shop.status, shop.review_message) == ("suspended", "Fermeture administrative")
        assert "Fermeture administrative" in outbox()[-1].get_content()
        with pytest.raises(ShopRefusesCard):
            ledger.redeem(db.session, card_id=territory.card_id, shop_id=territory.fournil_id, amount_cents=100,
                          key="after-suspension", actor="system")
        db.session.rollback()
    client.post(f"/admin/suspensions/entreprise/{_employer_id(app)}", data={"reason": "Impayés"})
    client.post(f"/admin/suspensions/commerce/{territory.fournil_id}", data={"action": "reinstate"})
    with app.app_context():
        assert db.session.get(Shop, territory.fournil_id).status == "approved"
        assert db.session.get(Employer, _employer_id(app)).status == "suspended"
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor) for e in events] == [
            ("shop.suspend", territory.admin_email), ("employer.suspend", territory.admin_email),
            ("shop.reinstate", territory.admin_email)]
        assert events[0].before == {"status": "approved"}
        assert events[0].after == {"status": "suspended", "reason": "Fermeture administrative"}

    page = client.get("/admin/journal?q=impay").get_data(as_text=True)
    assert "Impayés" in page and "Fermeture administrative" not in page
    for typed in ("impayes", "IMPAYÉS", "administrative"):  # the whole text typed, without accents nor case
        page = client.get("/admin/journal", query_string={"q": typed}).get_data(as_text=True)
        assert ("Impayés" in page) != ("Fermeture administrative" in page), typed
    for typed in ("fermeture impayes", "%"):  # not word by word; % is no wildcard
        page = client.get("/admin/journal", query_string={"q": typed}).get_data(as_text=True)
        assert "Impayés" not in page and "Fermeture administrative" not in page, typed
    csv = client.get("/admin/journal.csv").data.decode("utf-8-sig")
    assert csv.count("\n") == 4 and "shop.suspend" in csv


def test_suspensions_list_is_searched_by_name_or_commune_and_paged(app, territory, client):
    login(client, territory.admin_email)

    def listed(query: str) -> tuple[str, str]:
        page = client.get(f"/admin/suspensions?{query}").get_data(as_text=True)
        shops, employers = page.split('<h2 id="shops">')[1].split("<h2>")
        return shops, employers

    shops, employers = listed("q=arnay")  # the Épicerie's commune, whatever its case
    assert "Epicerie" in shops and "Fournil" not in shops
    assert "Aucune entreprise ne correspond à « arnay »." in employers
    shops, employers = listed("q=fournil+semur")  # each word, in the name or the commune
    assert "Fournil" in shops and "Epicerie" not in shops and "Laiterie" not in employers
    shops, employers = listed("q=SEMUR")
    assert "Fournil" in shops and "Laiterie" in employers
    shops, employers = listed("q=100%25")
    assert "Aucun commerce ne correspond à « 100% »." in shops
    # An admin acting on a filtered list lands back on it.
    sent = client.post(f"/admin/suspensions/commerce/{territory.fournil_id}?q=fournil",
                       data={"reason": "Fermeture administrative"})
    assert sent.headers["Location"] == "/admin/suspensions?q=fournil"
    with app.app_context():
        semur = db.session.get(Shop, territory.fournil_id).commune
        for number in range(55):
            f.shop(f"Boutique {number:02}", semur)
        db.session.commit()
    first, _ = listed("q=semur")
    assert first.index("Fournil") < first.index("Boutique 00")  # the suspended shop comes first
    assert first.count('<th scope="row">') == 50 and "Page 1 sur 2" in first and "Boutique 48" in first
    second, _ = listed("q=semur&page=2")
    assert second.count('<th scope="row">') == 6 and "Boutique 54" in second and "Fournil" not in second


def test_suspensions_list_is_searched_without_accents(app, territory, client):
    """« chateau » finds Château-Chinon, « patisserie helene » the Pâtisserie Hélène."""
    with app.app_context():
        chinon = f.commune(insee="58062", name="Château-Chinon (Ville)", slug="chateau-chinon-ville",
                           postal_codes="58120")
        f.shop("Pâtisserie Hélène", chinon)
        f.employer("Scierie du Morvan", chinon)
        db.session.commit()
    login(client, territory.admin_email)

    def listed(typed: str) -> tuple[str, str]:
        page = client.get("/admin/suspensions", query_string={"q": typed}).get_data(as_text=True)
        shops, employers = page.split('<h2 id="shops">')[1].split("<h2>")
        return shops, employers

    for typed in ("chateau", "CHATEAU-chinon", "château", "patisserie helene", "HELENE"):
        shops, employers = listed(typed)
        assert "Pâtisserie Hélène" in shops and "Fournil" not in shops and "Epicerie" not in shops, typed
    shops, employers = listed("chateau")
    assert "Scierie du Morvan" in employers and "Laiterie" not in employers
    shops, employers = listed("helene semur")
    assert "Aucun commerce ne correspond à « helene semur »." in shops


def _employer_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Employer.id).where(Employer.slug == "laiterie"))


def test_where_the_money_stays(app, territory, client):
    with app.app_context():
        db.session.add_all([UnmetSearch(text="cordonnier"), UnmetSearch(text="cordonnier"),
                            UnmetSearch(text="piscine")])
        db.session.commit()
        figures = territory_stats.headline(2026)
        # Fournil (Semur): 2 000 + 3 000 − 500 + 700 in November; Épicerie (Arnay): 1 000.
        assert figures["spent_cents"] == 6_200
        assert figures["communes"] == 2 and figures["main_town"] == "Semur-en-Auxois"
        assert figures["outside_cents"] == 1_000
        assert territory_stats.by_month(2026).rows == [("octobre 2026", 5_500), ("novembre 2026", 700)]
        assert territory_stats.by_commune(2026).rows == [("Semur-en-Auxois", 5_200), ("Arnay-le-Duc", 1_000)]
        assert territory_stats.by_category(2026).rows == [("Boulangerie", 5_200), ("Épicerie", 1_000)]
        assert territory_stats.by_campaign(2026).rows == [("Hors campagne (recharges du territoire)", 6_200)]
        assert territory_stats.unmet_searches().rows[0][:2] == ("cordonnier", 2)
    login(client, territory.admin_email)
    page = client.get("/admin/statistiques?annee=2026").get_data(as_text=True)
    assert "cordonnier" in page and "chart.umd.min.js" in page
    csv = client.get("/admin/statistiques/communes.csv?annee=2026").data.decode("utf-8-sig")
    assert csv.splitlines() == ["Commune;Montant (€)", "Semur-en-Auxois;52,00", "Arnay-le-Duc;10,00"]
    unmet = client.get("/admin/statistiques/recherches.csv").data.decode("utf-8-sig").splitlines()
    assert unmet[0] == "Recherche;Nombre;Dernière fois" and unmet[1].startswith("cordonnier;2;")
    english = client.get("/admin/statistiques/mois.csv?annee=2026&lang=en").data.decode("utf-8-sig")
    assert english.splitlines() == ["Month;Amount (€)", "October 2026;55,00", "November 2026;7,00"]
    page = client.get("/admin/statistiques?annee=2026").get_data(as_text=True)
    assert "Spent per commune (2026)" in page and "Outside campaigns (territory top-ups)" in page
    assert "Recherche;Nombre" not in client.get("/admin/statistiques/recherches.csv").data.decode("utf-8-sig")
    client.post("/deconnexion")
    public = client.get("/chiffres?annee=2026&lang=fr").get_data(as_text=True)  # public
    assert "62,00" in public and "dans <strong>2</strong> communes" in public
    # Every card payment is counted (employers' gifts, gift cards, top-ups): not said to be employers' money.
    assert "dépensés avec la carte du territoire dans nos commerces en 2026" in public
    assert "argent des entreprises" not in public


def test_approvals_are_in_the_audit_log(app, territory, client):
    with app.app_context():
        commune = db.session.get(Shop, territory.fournil_id).commune
        shop_id = f.shop("Boucherie", commune, status="pending").id
        employer_id = f.employer("Scierie", commune, status="pending").id
        db.session.commit()
    login(client, territory.admin_email)
    client.post(f"/admin/commerces/{shop_id}", data={"approve-submit": "1"})
    client.post(f"/admin/entreprises/{employer_id}/decision", data={"decision": "valider"})
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.target_id, e.before, e.after) for e in events] == [
            ("shop.approve", shop_id, {"status": "pending"}, {"status": "approved"}),
            ("employer.approve", employer_id, {"status": "pending"}, {"status": "approved"})]


def test_decisions_on_a_shop_or_a_company_say_what_it_is_before_its_name(app, territory, client):
    """« La Fromagerie de Sophie est validé » was wrong: a name's gender cannot be guessed, the kind's can."""
    with app.app_context():
        commune = db.session.get(Shop, territory.fournil_id).commune
        shop = f.shop("La Fromagerie de Sophie", commune, status="pending")
        f.shop_member(shop, f.user("sophie@example.fr"), "owner")
        shop_id = shop.id
        refused_id = f.shop("La Cave", commune, status="pending").id
        employer = f.employer("Le Moulin", commune, status="pending")
        employer.billing_email = "moulin@example.fr"
        employer_id = employer.id
        db.session.commit()
    login(client, territory.admin_email)

    def said(url: str, data: dict) -> str:
        return client.post(url, data=data, follow_redirects=True).get_data(as_text=True).replace("&#39;", "'")

    assert "Commerce validé : La Fromagerie de Sophie ;" in said(f"/admin/commerces/{shop_id}",
                                                                 {"approve-submit": "1"})
    assert "Commerce refusé : La Cave ;" in said(f"/admin/commerces/{refused_id}",
                                                 {"reject-submit": "1", "reject-message": "Hors territoire"})
    assert "Entreprise validée : Le Moulin." in said(f"/admin/entreprises/{employer_id}/decision",
                                                     {"decision": "valider"})
    assert "Commerce suspendu : La Fromagerie de Sophie ;" in said(f"/admin/suspensions/commerce/{shop_id}",
                                                                   {"reason": "Fermeture"})
    assert "Commerce rétabli : La Fromagerie de Sophie." in said(f"/admin/suspensions/commerce/{shop_id}",
                                                                 {"action": "reinstate"})
    assert "Entreprise suspendue : Le Moulin ;" in said(f"/admin/suspensions/entreprise/{employer_id}",
                                                        {"reason": "Impayés"})
    assert "Entreprise rétablie : Le Moulin." in said(f"/admin/suspensions/entreprise/{employer_id}",
                                                      {"action": "reinstate"})
    assert "Rien à rétablir : aucune suspension en cours pour Le Moulin." in said(
        f"/admin/suspensions/entreprise/{employer_id}", {"action": "reinstate"})
    with app.app_context():
        subjects = [mail["Subject"] for mail in outbox()]
    assert "Suspension sur Halle : La Fromagerie de Sophie" in subjects
    assert "Fin de la suspension sur Halle : Le Moulin" in subjects


def test_statistics_map_gives_the_commune_figures_of_the_table(app, territory, client):
    login(client, territory.admin_email)
    page = client.get("/admin/statistiques?annee=2026").get_data(as_text=True)
    assert 'id="spending-map"' in page and "/admin/statistiques/carte.geojson?annee=2026" in page
    assert 'data-testid="table-communes"' in page  # the table stays for keyboard and screen readers
    features = client.get("/admin/statistiques/carte.geojson?annee=2026").get_json()["features"]
    assert {(f["properties"]["name"], f["properties"]["cents"]) for f in features} == {
        ("Semur-en-Auxois", 2_000 + 3_000 - 500 + 700), ("Arnay-le-Duc", 1_000)}
    assert features[0]["geometry"]["coordinates"] == [4.3336, 47.4914]
    assert client.get("/admin/statistiques/carte.geojson?annee=2025").get_json()["features"] == []


def test_the_admin_exports_neutralise_what_visitors_and_shops_wrote(app, territory, client):
    """An anonymous visitor's search lands in the unmet-searches export, a shop's name in the
    journal's summary: a spreadsheet must show them, never run them."""
    import csv
    import io

    anonymous = app.test_client()
    anonymous.get("/recherche", query_string={"q": "@SUM(1)"})
    with app.app_context():
        assert [s.text for s in UnmetSearch.query] == ["@sum(1)"]
        db.session.add(AuditEvent(actor="system", action="shop.rename", target_type="shop", target_id=1,
                                  summary='=HYPERLINK("http://evil.example","Boulangerie")'))
        db.session.commit()
    login(client, territory.admin_email)

    def rows(url):
        text = client.get(url).data.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))

    assert rows("/admin/statistiques/recherches.csv")[1][:2] == ["'@sum(1)", "1"]
    assert rows("/admin/journal.csv")[-1][5] == """'=HYPERLINK("http://evil.example","Boulangerie")"""
