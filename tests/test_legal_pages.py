"""The legal notice, the privacy notice and the terms: linked from every page, filled with the
operator's settings, and saying plainly which one the operator has not given yet."""
import logging

import pytest

from config import LEGAL_SETTINGS
from marketplace.extensions import db
from tests import factories as f
from tests.conftest import login

OPERATOR = {"PUBLISHER_NAME": "Communauté de communes des Terres d'Auxois", "PUBLISHER_ADDRESS": "1 rue Buffon, Semur",
            "PUBLICATION_DIRECTOR": "Marie Dupont", "CONTACT_EMAIL": "contact@terres-auxois.fr",
            "HOST_NAME": "OVH SAS", "HOST_ADDRESS": "2 rue Kellermann, 59100 Roubaix"}


@pytest.fixture
def operator(app, monkeypatch):
    for name, value in OPERATOR.items():
        monkeypatch.setitem(app.config, name, value)


def text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_every_page_links_to_the_legal_pages(client):
    for path in ("/recherche", "/connexion", "/mentions-legales"):
        page = text(client.get(path))
        for href, label in (("/mentions-legales", "Mentions légales"), ("/confidentialite", "Confidentialité"),
                            ("/conditions", "Conditions d'utilisation")):
            assert f'href="{href}">{label}</a>' in page, (path, href)


def test_the_legal_notice_names_the_publisher_the_director_and_the_host(client, operator):
    page = text(client.get("/mentions-legales"))
    for value in OPERATOR.values():
        assert value in page, value
    assert 'href="mailto:contact@terres-auxois.fr"' in page and "à compléter" not in page


def test_the_privacy_notice_says_what_is_kept_how_long_and_the_rights(app, client, operator, monkeypatch):
    from datetime import timedelta

    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_DURATION", timedelta(days=14))
    monkeypatch.setitem(app.config, "UNCONFIRMED_ACCOUNT_DAYS", 45)
    page = text(client.get("/confidentialite"))
    assert "Responsable du traitement : Communauté de communes des Terres d'Auxois" in page
    for said in ("jusqu'à la déconnexion ou 14 jours", "dix ans comme la loi le demande",
                 "Halle ne voit jamais le numéro de votre carte bancaire", "Aucun cookie de mesure d'audience",
                 "« Télécharger mes données »", "« Fermer mon compte »", "CNIL",
                 "ni commande ni carte, est fermé 45 jours après l'envoi du dernier lien",
                 "le journal le désigne par son numéro, sans son adresse e-mail"):
        assert said in page, said


def test_the_terms_say_who_sells_and_how_results_are_ordered(app, client, operator, monkeypatch):
    monkeypatch.setitem(app.config, "BOUGHT_CREDIT_MONTHS", 18)
    page = text(client.get("/conditions"))
    assert "Son exploitant : Communauté de communes des Terres d'Auxois." in page
    assert "la vente se conclut entre vous et lui" in page
    assert "Aucun commerce ne paie pour apparaître plus haut" in page
    assert "un crédit acheté en ligne dure 18 mois" in page


def test_a_setting_the_operator_left_unset_is_said_to_be_missing(client):
    """The test configuration sets none of them: each page says so where the value would be."""
    page = text(client.get("/mentions-legales"))
    assert page.count('data-testid="missing-setting"') == len(LEGAL_SETTINGS)
    assert "à compléter par l'exploitant du site" in page


def test_production_starts_without_them_and_warns_naming_each(app, caplog):
    from config import check_production_settings

    class Production:
        config = {"SECRET_KEY": "s", "PUBLIC_URL": "https://halle.example.fr", "PIN_SECRETS": "k1:x",
                  "CONTACT_EMAIL": "contact@terres-auxois.fr"}

    with caplog.at_level(logging.WARNING, logger="config"):
        check_production_settings(Production())
    [warning] = caplog.messages
    assert "PUBLISHER_NAME" in warning and "HOST_ADDRESS" in warning and "CONTACT_EMAIL" not in warning


def test_the_legal_pages_are_cacheable_for_anonymous_visitors(client):
    answer = client.get("/conditions")
    assert answer.status_code == 200 and answer.headers["Cache-Control"].startswith("public")
    assert "Set-Cookie" not in answer.headers


def test_the_admin_dashboard_names_the_settings_the_operator_still_owes(app, client, monkeypatch):
    with app.app_context():
        f.user("admin@example.fr", is_admin=True)
        db.session.commit()
    login(client, "admin@example.fr")
    warning = text(client.get("/admin/"))
    assert 'data-testid="missing-legal"' in warning and "PUBLISHER_NAME, PUBLISHER_ADDRESS" in warning
    for name, value in OPERATOR.items():
        monkeypatch.setitem(app.config, name, value)
    assert 'data-testid="missing-legal"' not in text(client.get("/admin/"))
