"""Creating a shop, the approval queue, the owner's settings, the team and the closures."""
import html
import re
from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from marketplace.catalogue import InvalidValue
from marketplace.extensions import db
from marketplace.models import Shop, ShopMember
from marketplace import shops
from tests import factories as f
from tests.conftest import login
from tests.shop.conftest import VALID_IBAN, VALID_SIRET, image_bytes


def shop_form(world, **overrides):
    data = {
        "name": "Épicerie du Lac", "category": str(world["categories"]["epicerie"]), "commune": world["semur"],
        "address": "1 place de l'Église", "description": "Produits locaux.", "phone": "03 80 97 00 00",
        "email": "contact@epicerie-du-lac.fr", "website": "www.epicerie-du-lac.fr", "accepts_card": "y",
        "siret": "552 100 554 00013", "iban": "FR76 3000 6000 0112 3456 7890 189",
        "hours_tue": "9h-12h30, 14h-19h", "hours_sat": "8h30-12h",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_resident_creates_a_pending_shop_and_the_admins_are_told(app, client, shop_world):
    login(client, shop_world["emails"]["resident"])
    response = client.post("/boutique/nouvelle", data=shop_form(shop_world))
    assert response.status_code == 302
    with app.app_context():
        shop = Shop.query.filter_by(name="Épicerie du Lac").one()
        assert shop.status == "pending" and shop.slug == "epicerie-du-lac"
        assert shop.siret == "55210055400013" and shop.iban == VALID_IBAN
        assert shop.website == "https://www.epicerie-du-lac.fr"
        assert shop.opening_hours == {"tue": [["09:00", "12:30"], ["14:00", "19:00"]], "sat": [["08:30", "12:00"]]}
        assert [m.role for m in shop.members] == ["owner"]
        assert response.headers["Location"].endswith(f"/boutique/{shop.id}/")
        assert [m["To"] for m in outbox(app) if "à valider" in m["Subject"]] == ["admin@example.fr"]


def outbox(app):
    with app.app_context():
        from marketplace.mail import outbox as messages

        return list(messages())


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Indiquez le nom du commerce."),
    ("commune", "", "Choisissez la commune du commerce."),
    ("category", "", "Activité : choisissez dans la liste."),
    ("category", "abc", "Activité : choisissez dans la liste."),
    ("address", "", "Indiquez l'adresse du commerce."),
    ("siret", "732 829 320 00075", "Ce numéro SIRET n'est pas valide"),
    ("siret", "", "Indiquez le SIRET"),
    ("iban", "FR76 3000 6000 0112 3456 7890 188", "Cet IBAN n'est pas valide"),
    ("phone", "12 34", "Numéro de téléphone invalide"),
    ("email", "pas-une-adresse", "Adresse e-mail invalide."),
    ("website", "pas un site", "Adresse web invalide"),
    ("hours_mon", "9h-midi", "Lundi : heure « midi » illisible"),
    ("hours_mon", "abc", "Lundi : « abc » n'est pas une plage horaire"),
    ("hours_wed", "14h-12h", "Mercredi : la plage « 14h-12h » finit avant de commencer."),
    ("hours_thu", "9h-13h, 12h-18h", "Jeudi : les plages se chevauchent"),
])
def test_shop_form_says_what_is_wrong_and_creates_nothing(app, client, shop_world, field, value, message):
    login(client, shop_world["emails"]["resident"])
    response = client.post("/boutique/nouvelle", data=shop_form(shop_world, **{field: value}))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message.replace("'", "&#39;") in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert Shop.query.filter_by(name="Épicerie du Lac").count() == 0


def test_a_siret_already_registered_makes_no_second_shop(app, client, shop_world):
    """The bakery (approved) has VALID_SIRET: a second registration with it is refused, its owner
    invites the newcomer instead. A rejected shop's SIRET may be registered again."""
    refusal = ("SIRET : un commerce avec ce numéro est déjà inscrit sur Halle ; demandez à son responsable de vous "
               "inviter dans son équipe.")
    login(client, shop_world["emails"]["resident"])
    for _ in range(2):
        page = html.unescape(client.post("/boutique/nouvelle", data=shop_form(
            shop_world, siret="732 829 320 00074")).get_data(as_text=True))
        assert refusal in page
    with app.app_context():
        assert Shop.query.filter_by(siret=VALID_SIRET).count() == 1
    # Nor may another shop's settings take it; the bakery keeps its own.
    other = app.test_client()
    login(other, shop_world["emails"]["other"])
    with app.app_context():
        cheese = db.session.get(Shop, shop_world["cheese"])
        settings = {"name": cheese.name, "category": str(cheese.category_id), "commune": cheese.commune_insee,
                    "address": "1 place du Marché", "siret": VALID_SIRET, "accepts_card": "y"}
    assert refusal in html.unescape(other.post(f"/boutique/{shop_world['cheese']}/parametres", data=settings)
                                    .get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Shop, shop_world["cheese"]).siret != VALID_SIRET
        db.session.get(Shop, shop_world["bakery"]).status = "rejected"
        db.session.commit()
    assert client.post("/boutique/nouvelle", data=shop_form(shop_world, siret=VALID_SIRET)).status_code == 302


def test_shop_photo_is_checked(app, client, shop_world):
    login(client, shop_world["emails"]["resident"])
    data = shop_form(shop_world)
    data["photo"] = (__import__("io").BytesIO(b"not an image"), "vitrine.jpg")
    response = client.post("/boutique/nouvelle", data=data, content_type="multipart/form-data")
    assert "n&#39;est pas une image lisible" in response.get_data(as_text=True)
    data = shop_form(shop_world)
    data["photo"] = (__import__("io").BytesIO(image_bytes()), "vitrine.jpg")
    assert client.post("/boutique/nouvelle", data=data, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        assert len(Shop.query.filter_by(name="Épicerie du Lac").one().photo_key) == 64


def test_admin_approves_and_the_owner_is_emailed(app, client, shop_world):
    with app.app_context():
        db.session.get(Shop, shop_world["bakery"]).status = "pending"
        db.session.commit()
    login(client, shop_world["emails"]["admin"])
    queue = client.get("/admin/commerces").get_data(as_text=True)
    assert "Boulangerie Moreau" in queue
    assert 'class="stack-table"' in queue and 'data-label="Inscrit le"' in queue  # one card per shop on a phone
    review = client.get(f"/admin/commerces/{shop_world['bakery']}").get_data(as_text=True)
    assert "FR76 •••• 0189" in review and VALID_IBAN not in review
    for phone, email, shown in (("03 80 97 00 00", "contact@moreau.fr", "03 80 97 00 00 · contact@moreau.fr"),
                                ("", "", "—")):  # what there is, or a dash: never an empty line
        with app.app_context():
            shop = db.session.get(Shop, shop_world["bakery"])
            shop.phone, shop.email, shop.website = phone, email, ""
            db.session.commit()
        review = client.get(f"/admin/commerces/{shop_world['bakery']}").get_data(as_text=True)
        assert f"<dt>Contact</dt><dd>{shown}</dd>" in review
    response = client.post(f"/admin/commerces/{shop_world['bakery']}", data={"approve-submit": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Shop, shop_world["bakery"]).status == "approved"
    [mail] = [m for m in outbox(app) if m["To"] == "owner@example.fr"]
    assert "en ligne" in mail["Subject"] and "/commerces/boulangerie-moreau" in mail.get_content()


def test_admin_rejects_with_a_message_and_a_corrected_shop_goes_back_to_the_queue(app, client, shop_world):
    login(client, shop_world["emails"]["admin"])
    response = client.post(f"/admin/commerces/{shop_world['bakery']}", data={"reject-submit": "1", "reject-message": ""})
    assert "Expliquez au commerçant" in response.get_data(as_text=True)
    client.post(f"/admin/commerces/{shop_world['bakery']}",
                data={"reject-submit": "1", "reject-message": "Le SIRET ne correspond pas à une boulangerie."})
    [mail] = [m for m in outbox(app) if m["To"] == "owner@example.fr"]
    assert "Le SIRET ne correspond pas" in mail.get_content()
    with app.app_context():
        shop = db.session.get(Shop, shop_world["bakery"])
        assert shop.status == "rejected" and shop.review_message.startswith("Le SIRET")
    owner = app.test_client()
    login(owner, "owner@example.fr")
    assert "Le SIRET ne correspond pas" in owner.get(f"/boutique/{shop_world['bakery']}/").get_data(as_text=True)
    owner.post(f"/boutique/{shop_world['bakery']}/parametres", data=shop_form(shop_world, name="Boulangerie Moreau"))
    with app.app_context():
        assert db.session.get(Shop, shop_world["bakery"]).status == "pending"


def test_settings_show_the_iban_masked_and_keep_it_when_left_empty(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    url = f"/boutique/{shop_world['bakery']}/parametres"
    page = client.get(url).get_data(as_text=True)
    assert "FR76 •••• 0189" in page and VALID_IBAN not in page
    assert 'value="7h-12h30, 15h-19h"' in page
    client.post(url, data=shop_form(shop_world, name="Boulangerie Moreau", iban=""))
    with app.app_context():
        assert db.session.get(Shop, shop_world["bakery"]).iban == VALID_IBAN
    client.post(url, data=shop_form(shop_world, name="Boulangerie Moreau", iban="DE89 3704 0044 0532 0130 00"))
    with app.app_context():
        assert db.session.get(Shop, shop_world["bakery"]).iban == "DE89370400440532013000"


@pytest.mark.parametrize("role", ["staff", "cashier", "other"])
def test_only_the_owner_reaches_settings_and_team(app, client, shop_world, role):
    login(client, shop_world["emails"][role])
    for path in ("parametres", "equipe"):
        assert client.get(f"/boutique/{shop_world['bakery']}/{path}").status_code == 403
        response = client.post(f"/boutique/{shop_world['bakery']}/{path}",
                               data=shop_form(shop_world, iban="DE89 3704 0044 0532 0130 00"))
        assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Shop, shop_world["bakery"]).iban == VALID_IBAN


def test_owner_invites_a_cashier_who_accepts(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    response = client.post(f"/boutique/{shop_world['bakery']}/equipe", data={"email": "Lea@Example.fr", "role": "cashier"})
    assert response.status_code == 302
    [mail] = [m for m in outbox(app) if m["To"] == "lea@example.fr"]
    assert "le téléphone de la caisse :\nhttp://localhost/caisse/\n" in mail.get_content()
    link = next(word for word in mail.get_content().split() if "/boutique/invitation/" in word)
    path = link[link.index("/boutique/"):]
    stranger = app.test_client()
    login(stranger, shop_world["emails"]["resident"])
    refused = stranger.post(path)  # the same rule as every invitation (marketplace/invitations.py)
    assert refused.status_code == 403 and "Cette invitation a été envoyée à lea@example.fr" in refused.get_data(
        as_text=True)
    with app.app_context():
        assert ShopMember.query.filter_by(shop_id=shop_world["bakery"], role="cashier").count() == 1
        lea_id = f.user("lea@example.fr").id
        db.session.commit()
    invited = app.test_client()
    login(invited, "lea@example.fr")
    response = invited.post(path)
    assert response.headers["Location"].endswith(f"/caisse/{shop_world['bakery']}/")
    assert invited.get("/caisse/").headers["Location"] == f"/caisse/{shop_world['bakery']}/"  # the mail's address
    used = invited.post(path, follow_redirects=True).get_data(as_text=True)  # used once
    assert "Cette invitation n&#39;existe pas ou a déjà été utilisée." in used
    assert "This invitation does not exist or has already been used." in invited.post(
        path + "?lang=en", follow_redirects=True).get_data(as_text=True)
    with app.app_context():
        assert ShopMember.query.filter_by(user_id=lea_id).one().role == "cashier"


def test_an_invitation_defaults_to_the_narrowest_role(app, client, shop_world):
    """The till only, unless the owner picks the wider role."""
    login(client, shop_world["emails"]["owner"])
    page = client.get(f"/boutique/{shop_world['bakery']}/equipe").get_data(as_text=True)
    assert '<option selected value="cashier">' in page
    assert page.index('value="cashier"') < page.index('value="staff"')


def test_an_invitation_mail_leads_with_the_link_and_signing_up_keeps_the_invitation(app, client, shop_world):
    """The mail says to open the link first (it leads to logging in or signing up), and the sign-up
    page reached from it keeps the invitation on its « Se connecter » link, as the login page on its
    « Créer un compte » link."""
    login(client, shop_world["emails"]["owner"])
    client.post(f"/boutique/{shop_world['bakery']}/equipe", data={"email": "tom@example.fr", "role": "cashier"})
    [mail] = [m for m in outbox(app) if m["To"] == "tom@example.fr"]
    body = mail.get_content()
    assert "Créez un compte ou connectez-vous" not in body
    assert "Ouvrez ce lien (valable 14 jours) :\nhttp" in body
    assert "Il vous permet de vous connecter avec l'adresse tom@example.fr, ou de créer votre compte avec elle, " \
           "puis d'accepter l'invitation." in body
    path = re.search(r"https?://[^/\s]+(/boutique/invitation/\S+)", body).group(1)
    invited = app.test_client()
    offer = invited.get(path).get_data(as_text=True)
    signup = re.search(r'href="(/inscription\?next=[^"]*)"', offer).group(1).replace("&amp;", "&")
    signup_page = invited.get(signup).get_data(as_text=True)
    carried = {"next": [path], "email": ["tom@example.fr"]}
    assert parse_qs(urlsplit(_link_after(signup_page, "Déjà inscrit ?")).query) == carried
    login_page = invited.get(_link_after(signup_page, "Déjà inscrit ?")).get_data(as_text=True)
    assert parse_qs(urlsplit(_link_after(login_page, "Pas encore de compte ?")).query) == carried


def _link_after(page: str, text: str) -> str:
    return html.unescape(re.search(r'href="([^"]*)"', page[page.index(text):]).group(1))


def test_invitation_form_validation(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    page = client.post(f"/boutique/{shop_world['bakery']}/equipe", data={"email": "x", "role": "owner"}).get_data(as_text=True)
    assert "Adresse e-mail invalide." in page


def test_closure_form_and_opening_status(app, client, shop_world):
    login(client, shop_world["emails"]["staff"])
    url = f"/boutique/{shop_world['bakery']}/fermetures"
    page = client.post(url, data={"starts_on": "2025-08-10", "ends_on": "2025-08-01"}).get_data(as_text=True)
    assert "Le dernier jour doit être après le premier." in page
    assert client.post(url, data={"starts_on": "2025-08-01", "ends_on": "2025-08-15",
                                  "reason": "Congés d'été"}).status_code == 302
    with app.app_context():
        shop = db.session.get(Shop, shop_world["bakery"])
        paris = shops.TIMEZONE
        assert shops.opening_status(shop, datetime(2025, 7, 29, 10, 0, tzinfo=paris)).label == \
            "Ouvert maintenant · ferme à 12h30"
        assert shops.opening_status(shop, datetime(2025, 7, 29, 13, 0, tzinfo=paris)).label == \
            "Fermé · ouvre aujourd'hui à 15h"
        assert shops.opening_status(shop, datetime(2025, 7, 28, 20, 0, tzinfo=paris)).label == \
            "Fermé · ouvre demain à 7h"
        assert shops.opening_status(shop, datetime(2025, 7, 29, 19, 30, tzinfo=paris)).label == \
            "Fermé · ouvre le 19/08 à 7h"
        assert shops.opening_status(shop, datetime(2025, 8, 5, 10, 0, tzinfo=paris)).label == \
            "Fermé exceptionnellement (Congés d'été) · ouvre le 19/08 à 7h"
        assert shops.closure_on(shop, date(2025, 8, 15)).reason == "Congés d'été"


def test_day_hours_are_read_the_way_people_type_them():
    assert shops.parse_day_hours("9h-12h30 et 14h à 19h") == [["09:00", "12:30"], ["14:00", "19:00"]]
    assert shops.parse_day_hours("08:00 – 12:00 / 13:30-18:00") == [["08:00", "12:00"], ["13:30", "18:00"]]
    assert shops.parse_day_hours("fermé") == []
    with pytest.raises(InvalidValue):
        shops.parse_day_hours("25h-26h", "Lundi")
    assert shops.format_day_hours([["09:00", "12:30"], ["14:00", "19:00"]]) == "9h-12h30, 14h-19h"
    assert shops.mask_iban(VALID_IBAN) == "FR76 •••• 0189"


def test_the_owner_withdraws_an_invitation_sent_to_a_wrong_address(app, client, shop_world):
    """The link then finds nothing, even for the address it went to; only the shop's owner withdraws."""
    import re

    bakery = shop_world["bakery"]
    login(client, shop_world["emails"]["owner"])
    client.post(f"/boutique/{bakery}/equipe", data={"email": "lea@exemple.fr", "role": "staff"})
    [mail] = [m for m in outbox(app) if m["To"] == "lea@exemple.fr"]
    path = re.search(r"/boutique/invitation/\S+", mail.get_content()).group(0)
    action = re.search(r'action="(/boutique/\d+/equipe/invitations/(\d+)/retirer)"',
                       client.get(f"/boutique/{bakery}/equipe").get_data(as_text=True))
    staff, other = app.test_client(), app.test_client()
    login(staff, shop_world["emails"]["staff"])
    login(other, shop_world["emails"]["other"])
    assert staff.post(action.group(1)).status_code == 403
    assert other.post(f"/boutique/{shop_world['cheese']}/equipe/invitations/{action.group(2)}/retirer").status_code == 404
    team = client.post(action.group(1), follow_redirects=True).get_data(as_text=True)
    assert "Invitation retirée : son lien ne marche plus." in team and "lea@exemple.fr" not in team
    assert client.post(action.group(1)).status_code == 404
    with app.app_context():
        f.user("lea@exemple.fr")
        db.session.commit()
    lea = app.test_client()
    login(lea, "lea@exemple.fr")
    assert "Cette invitation n&#39;existe pas" in lea.post(path, follow_redirects=True).get_data(as_text=True)
    assert lea.get(f"/boutique/{bakery}/").status_code == 403
