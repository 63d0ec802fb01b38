"""English, the second language: every message has a translation, and each role's pages read in English."""
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import escape

from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from tests import factories as f
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
EN_PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
FR_PO = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def _english_catalogue():
    with EN_PO.open("rb") as po:
        return read_po(po)


def _untranslated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return message.fuzzy or not all(strings)


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """Pages are rendered from the .po of the tree (what `make translations` compiles)."""
    for po_path in (EN_PO, FR_PO):
        with po_path.open("rb") as po, (po_path.parent / "messages.mo").open("wb") as mo:
            write_mo(mo, read_po(po))


def test_every_catalogue_message_has_an_english_translation():
    missing = [m.id for m in _english_catalogue() if m.id and _untranslated(m)]
    assert not missing, f"{len(missing)} messages without English translation, e.g. {missing[:5]}"


def test_the_catalogue_compiles_without_errors():
    """`make translations` (pybabel compile) stops the README's commands on any checker error: a
    translation whose placeholders differ from its message ('% de' reads as the placeholder '% d')."""
    catalogue = _english_catalogue()
    errors = [(message.id, str(error)) for message, problems in catalogue.check() for error in problems]
    assert errors == []


def test_every_message_in_the_code_is_in_the_english_catalogue():
    """Catches a string wrapped in _() / lazy_gettext() after the last `pybabel extract`."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
    catalogue = _english_catalogue()
    missing = set()
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(msgid)
        if entry is None or _untranslated(entry):
            missing.add(f"{filename}: {msgid}")
    assert not missing, "not translated in translations/en (run `make messages`, then translate):\n" + "\n".join(
        sorted(missing)[:20])


def test_every_plural_text_of_the_code_has_the_french_rule_of_plurals():
    """French says "0 commerce": the French catalogue gives each plural text its two forms under
    French's rule (n > 1), without which gettext would count like English."""
    with FR_PO.open("rb") as po:
        french = read_po(po)
    assert french.plural_expr == "(n > 1)"
    english_plurals = {m.id for m in _english_catalogue() if isinstance(m.id, tuple)}
    assert english_plurals, "the code has plural texts"
    missing = [one for one, many in english_plurals if french.get((one, many)) is None
               or french.get((one, many)).string != (one, many)]
    assert not missing, f"not in translations/fr with its two forms: {missing[:5]}"


def test_french_pages_count_zero_and_one_in_the_singular(app, client, world):
    with app.app_context():
        empty = f.category("coutellerie", "Coutellerie")
        db.session.commit()
        category_id = empty.id
    login(client, "admin@example.fr")
    page = client.get(f"/admin/categories/{category_id}").get_data(as_text=True)
    assert "0 produit · 0 commerce" in page
    assert "0 produit · 0 commerce" not in english_page(client, f"/admin/categories/{category_id}")


@pytest.fixture
def world(app):
    """One user per role, with a shop and an employer in Semur-en-Auxois."""
    with app.app_context():
        semur = f.commune()
        bakery = f.shop("Boulangerie Moreau", semur)
        f.product(bakery, "Pain de campagne")
        f.shop_member(bakery, f.user("owner@example.fr"), "owner")
        f.shop_member(bakery, f.user("cashier@example.fr"), "cashier")
        company = f.employer("Fromagerie Gaugry", semur)
        f.employer_member(company, f.user("hr@example.fr"))
        f.user("admin@example.fr", is_admin=True)
        db.session.commit()
        return {"shop_id": bakery.id, "employer_id": company.id}


def english_page(client, url: str) -> str:
    response = client.get(url + ("&" if "?" in url else "?") + "lang=en")
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    assert 'lang="en"' in page
    return page


def test_public_pages_in_english(client, world):
    home = english_page(client, "/")
    assert "shop close to home" in home and "Search for a product" in home and "Log in" in home
    search = english_page(client, "/recherche?q=pain")
    assert "What are you looking for?" in search and "Sort by" in search
    assert ">Relevance</option>" in search and ">Price, lowest first</option>" in search  # sorts
    assert "> In stock</label>" in search and "> Open now</label>" in search  # the filters' checkboxes
    login_page = english_page(client, "/connexion")
    assert "Forgot your password?" in login_page and "Sign up" in login_page
    assert "Email address" in login_page and "Stay logged in" in login_page  # form labels too
    refused = client.post("/connexion?lang=en", data={"email": "nobody@example.fr", "password": "x"})
    assert "Incorrect e-mail address or password." in refused.get_data(as_text=True)


def test_cart_refusal_in_english(app, client, world):
    with app.app_context():
        from marketplace.models import Product

        bread = Product.query.filter_by(name="Pain de campagne").one()
        bread.stock, product_id = 0, bread.id
        db.session.commit()
    assert "Your cart is empty." in english_page(client, "/panier")
    added = client.post(f"/panier/ajouter/{product_id}?lang=en", data={"quantity": 1}, follow_redirects=True)
    assert "“Pain de campagne” is sold out." in added.get_data(as_text=True)

def test_french_stays_the_default(client, world):
    assert "Mot de passe oublié ?" in client.get("/connexion").get_data(as_text=True)


def test_shop_owner_pages_in_english(client, world):
    login(client, "owner@example.fr")
    dashboard = english_page(client, f"/boutique/{world['shop_id']}/")
    assert "Your shop is online." in dashboard and "1</strong> product online" in dashboard
    assert "Open the till" in dashboard


def test_till_in_english(client, world):
    login(client, "cashier@example.fr")
    till = english_page(client, f"/caisse/{world['shop_id']}/")
    assert "Take payment" in till and "No payment taken today." in till and "End-of-day report" in till
    assert "Card number or QR code" in till
    refused = client.post(f"/caisse/{world['shop_id']}/?lang=en", data={"card": "1234", "amount": "douze"})
    assert "Invalid amount: type for example 12.50." in refused.get_data(as_text=True)


def test_a_label_s_colon_follows_the_page_s_typography(client, world):
    """French puts a space before a colon, English does not: « Total du commerce : », "Shop total:"."""
    login(client, "cashier@example.fr")
    assert "Shop total: <strong" in english_page(client, f"/caisse/{world['shop_id']}/jour")
    assert "Total du commerce : <strong" in client.get(f"/caisse/{world['shop_id']}/jour?lang=fr").get_data(as_text=True)


def test_employer_dashboard_in_english(client, world):
    login(client, "hr@example.fr")
    dashboard = english_page(client, f"/entreprise/{world['employer_id']}/")
    assert "Human resources" in dashboard and "Gift campaigns" in dashboard and "New campaign" in dashboard


def test_admin_dashboard_in_english(client, world):
    login(client, "admin@example.fr")
    dashboard = english_page(client, "/admin/")
    assert "Territory administration" in dashboard and "Reported products" in dashboard


def test_resident_profile_in_english(client, world):
    login(client, "owner@example.fr")
    page = english_page(client, "/compte/profil")
    assert "Language" in page and "Name or postal code of a commune of the territory." in page
    refused = client.post("/compte/profil?lang=en", data={"home_commune": "Atlantide", "locale": "en"})
    assert "Unknown commune in the territory: give the name or the postal code." in refused.get_data(as_text=True)


def test_lazy_texts_are_escaped_like_plain_strings(app):
    """Form labels and messages keep their escaping (and a value typed by someone cannot inject markup)."""
    with app.test_request_context("/"):
        typed = "<b>l'étal</b>"
        assert escape(lazy_gettext("Référence « %(sku)s »", sku=typed)) == escape(f"Référence « {typed} »")


def test_a_template_reads_the_language_it_is_rendered_in(app):
    """A page's texts come from the catalogue render_template picked, so a text rendered in another
    language within the same request (force_locale) and a template rendered without
    render_template read their own language; variables are escaped, plurals counted."""
    from flask import render_template_string
    from flask_babel import force_locale

    source = "{{ _('Rechercher') }} {{ _('Aucun produit ne correspond à « %(q)s »', q=q) }}"
    with app.test_request_context("/recherche?lang=fr"):
        assert render_template_string(source, q="<b>") == "Rechercher Aucun produit ne correspond à « &lt;b&gt; »"
        with force_locale("en"):
            assert render_template_string(source, q="<b>") == "Search No product matches “&lt;b&gt;”"
            assert app.jinja_env.from_string("{{ _('Rechercher') }}").render() == "Search"
        assert render_template_string("{{ ngettext('%(num)s résultat', '%(num)s résultats', 2) }}") == "2 résultats"


def test_a_page_text_without_variables_still_reads_a_doubled_percent_as_one(app):
    """The page's _() skips formatting a text with nothing to put in, but "%%" is still a percent
    sign, with or without variables, as Jinja's own _() writes it."""
    from flask import render_template_string

    with app.test_request_context("/"):
        assert render_template_string("{{ _('Remise de 5 %% au plus') }}") == "Remise de 5 % au plus"
        assert render_template_string("{{ _('%(n)s %%', n=5) }}") == "5 %"
        assert render_template_string("{{ _(\"L'étal\") }}") == "L'étal"


def test_texts_outside_a_request_are_french(app):
    """CLI commands and background jobs have no visitor: labels render in French instead of failing."""
    from marketplace.models.campaigns import CAMPAIGN_EVENTS

    with app.app_context():
        assert str(CAMPAIGN_EVENTS["noel"]) == "Noël"


def test_admin_territory_pages_in_english(client, world):
    login(client, "admin@example.fr")
    categories = english_page(client, "/admin/categories")
    assert "Parent category" in categories and "Create the category" in categories
    assert "— (at the top level)" in categories  # the choice list's own label
    created = client.post("/admin/categories?lang=en", data={"name": "Épicerie fine", "parent": 0},
                          follow_redirects=True)
    assert "Category “Épicerie fine” created." in created.get_data(as_text=True)
    refused = client.post("/admin/categories?lang=en", data={"name": "", "parent": 0})
    assert "Name: give the name of the category." in refused.get_data(as_text=True)
    communes = english_page(client, "/admin/communes")
    assert "EPCI codes (9-digit SIREN, separated by commas)" in communes and "Import the communes" in communes
    empty = client.post("/admin/communes?lang=en", data={"epci": "", "departements": ""})
    assert "Give at least one EPCI code or one département." in empty.get_data(as_text=True)


def test_stripe_reconciliation_in_english(client, world):
    login(client, "admin@example.fr")
    page = english_page(client, "/admin/rapprochement-stripe?du=2026-11-20&au=2026-11-01")
    assert "The end of the period is before its start." in page
    csv = client.get("/admin/rapprochement-stripe.csv?du=&au=2026-11-01&lang=en")
    assert csv.status_code == 400
    assert csv.get_data(as_text=True) == "Give the first day of the period (dd/mm/yyyy)."


def test_opening_hours_and_statement_labels_in_english(app, world):
    from datetime import datetime

    from marketplace import settlement, shops
    from marketplace.models import Shop

    with app.app_context():
        db.session.get(Shop, world["shop_id"]).opening_hours = {"mon": [["09:00", "19:00"]]}
        db.session.commit()
    monday_noon = datetime(2026, 11, 23, 12, tzinfo=shops.TIMEZONE)
    with app.test_request_context("/?lang=en"):
        bakery = db.session.get(Shop, world["shop_id"])
        assert shops.opening_status(bakery, monday_noon).label == "Open now · closes at 19h"
        assert shops.opening_status(bakery, monday_noon.replace(hour=20)).label == "Closed · opens on 11/30 at 9h"  # Babel writes English dates month first
        with pytest.raises(shops.InvalidValue, match="unreadable time “25h”"):
            shops.parse_day_hours("9h-25h", "Monday")
        assert str(settlement.KIND_LABELS["redeem"]) == "Card payment"
    with app.test_request_context("/"):
        bakery = db.session.get(Shop, world["shop_id"])
        assert shops.opening_status(bakery, monday_noon).label == "Ouvert maintenant · ferme à 19h"
