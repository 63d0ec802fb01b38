"""The admin's territory pages: communes, the category tree, administrators."""
import html
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from loyalty import ledger
from loyalty.models import Grant
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import AuditEvent, Campaign, Category, Commune, Employer, Product, Shop, User
from search.models import IndexOutbox
from tests import factories as f
from tests.conftest import login, post_twice_at_once


def _actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


# --- Communes ---------------------------------------------------------------------------------------

def test_import_communes_by_epci_then_again_counts_added_and_unchanged(app, territory, client):
    login(client, territory.admin_email)
    page = client.post("/admin/communes", data={"epci": "", "departements": ""}).get_data(as_text=True)
    assert "Indiquez au moins un code EPCI ou un département." in page
    page = client.post("/admin/communes", data={"epci": "999999999"}).get_data(as_text=True)
    assert "Code EPCI inconnu : 999999999" in page

    page = client.post("/admin/communes", data={"epci": "200071017"}, follow_redirects=True).get_data(as_text=True)
    with app.app_context():
        in_epci = db.session.scalars(select(Commune).filter_by(epci_code="200071017")).all()
        assert len(in_epci) > 20
    # Semur-en-Auxois was already there (from the fixture, slightly different from the data file).
    assert f"{len(in_epci) - 1} communes ajoutées" in page
    again = client.post("/admin/communes", data={"epci": "200071017"}, follow_redirects=True).get_data(as_text=True)
    assert f"0 commune ajoutée, 0 mise à jour, {len(in_epci)} déjà à jour." in again
    assert _actions(app) == ["territory.import", "territory.import"]

    listing = client.get("/admin/communes?q=poisses").get_data(as_text=True)
    assert "Époisses" in listing and "Semur-en-Auxois" not in listing
    assert 'class="stack-table"' in listing and 'data-label="Codes postaux">21460<' in listing  # a card on a phone
    assert "Époisses" in client.get("/admin/communes?q=21460").get_data(as_text=True)  # by postal code
    for typed in ("epoisses", "EPOISSES", "époisses"):  # typed without accents, whatever the case
        assert "Époisses" in client.get("/admin/communes", query_string={"q": typed}).get_data(as_text=True), typed
    listing = client.get("/admin/communes", query_string={"q": "COMMUNAUTE de communes des terres d'auxois"})
    assert "Aisy-sous-Thil" in listing.get_data(as_text=True)  # by the EPCI's name, « Communauté » without accent
    listing = client.get("/admin/communes", query_string={"q": "terres auxois"}).get_data(as_text=True)
    assert "Aucune commune ne correspond" in listing  # the whole text typed, not word by word
    assert "Aucune commune ne correspond" in client.get("/admin/communes?q=2146%25").get_data(as_text=True)
    assert "Page 1 sur" in client.get("/admin/communes").get_data(as_text=True)
    assert "Aucune commune ne correspond" in client.get("/admin/communes?q=zzzz").get_data(as_text=True)


def test_the_communes_are_found_typing_without_accents(app, territory, client):
    with app.app_context():
        f.commune(insee="58062", name="Château-Chinon (Ville)", slug="chateau-chinon-ville", postal_codes="58120",
                  epci_name="CC Morvan Sommets et Grands Lacs", departement="58")
        db.session.commit()
    login(client, territory.admin_email)
    for typed in ("chateau", "CHATEAU-CHINON", "Château"):
        listing = client.get("/admin/communes", query_string={"q": typed}).get_data(as_text=True)
        assert "Château-Chinon" in listing and "Semur-en-Auxois" not in listing, typed
    assert "Aucune commune ne correspond" in client.get("/admin/communes?q=chateaux").get_data(as_text=True)


def test_a_commune_with_a_shop_cannot_be_removed_an_empty_one_can(app, territory, client):
    with app.app_context():
        f.commune(**f.EPOISSES)
        resident = f.user("habitant@example.fr", home_commune_insee="21247")
        db.session.commit()
        resident_id = resident.id
    login(client, territory.admin_email)
    assert "Je confirme" in client.get("/admin/communes/21603/retirer").get_data(as_text=True)
    client.post("/admin/communes/21603/retirer", data={})  # not confirmed: nothing happens
    refused = html.unescape(client.post("/admin/communes/21603/retirer", data={"confirm": "y"},
                                        follow_redirects=True).get_data(as_text=True))
    assert "Semur-en-Auxois ne peut pas être retirée du territoire : il s'y trouve encore 1 commerce, 1 entreprise." in refused
    english = client.post("/admin/communes/21603/retirer?lang=en", data={"confirm": "y"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Semur-en-Auxois cannot be removed from the territory: it still has 1 shop, 1 company." in english
    client.get("/admin/?lang=fr")
    client.post("/admin/communes/21247/retirer", data={"confirm": "y"})
    with app.app_context():
        assert db.session.get(Commune, "21603") is not None
        assert db.session.get(Commune, "21247") is None
        assert db.session.get(User, resident_id).home_commune_insee is None
    assert _actions(app) == ["commune.remove"]


# --- Categories -------------------------------------------------------------------------------------

def test_rename_and_move_keep_the_slug_and_reindex(app, territory, client):
    with app.app_context():
        food = f.category("alimentation", "Alimentation")
        f.product(db.session.get(Shop, territory.fournil_id), "Baguette")
        db.session.commit()
        bakery_id, food_id = f.category().id, food.id
        db.session.execute(IndexOutbox.__table__.delete())
        db.session.commit()
    login(client, territory.admin_email)
    page = client.post(f"/admin/categories/{bakery_id}", data={"rename-name": " ", "rename-submit": "1"})
    assert "indiquez le nom" in page.get_data(as_text=True)
    client.post(f"/admin/categories/{bakery_id}", data={"rename-name": "Boulangerie, pâtisserie",
                                                         "rename-submit": "1"})
    client.post(f"/admin/categories/{bakery_id}", data={"move-parent": str(food_id), "move-submit": "1"})
    cycle = client.post(f"/admin/categories/{food_id}", data={"move-parent": str(bakery_id), "move-submit": "1"})
    assert "Ranger sous : choisissez dans la liste." in cycle.get_data(as_text=True)  # its own branch is not offered
    with app.app_context():
        bakery = db.session.get(Category, bakery_id)
        assert (bakery.slug, bakery.name, bakery.parent_id) == ("boulangerie", "Boulangerie, pâtisserie", food_id)
        assert db.session.get(Category, food_id).parent_id is None
        assert ("category", bakery_id) in {(r.kind, r.entity_id) for r in db.session.scalars(select(IndexOutbox))}
    assert _actions(app) == ["category.rename", "category.move"]
    tree = client.get("/admin/categories").get_data(as_text=True)
    assert tree.index("Alimentation") < tree.index("Boulangerie, pâtisserie")
    assert tree.count('class="quiet-link">Modifier<') == tree.count(">Modifier<") > 0  # finger-sized, not 19 px
    tampered = client.post("/admin/categories", data={"name": "Primeur", "parent": "abc"}).get_data(as_text=True)
    assert "Catégorie parente : choisissez dans la liste." in tampered and "converti" not in tampered


def test_a_rename_or_a_move_never_makes_two_categories_of_one_name_side_by_side(app, territory, client):
    with app.app_context():
        food = f.category("alimentation", "Alimentation")
        f.category("epicerie", "Épicerie")
        f.category("epicerie-fine", "Épicerie").parent = food
        db.session.commit()
        bakery_id, fine_id, food_id = f.category().id, f.category("epicerie-fine").id, food.id
    login(client, territory.admin_email)
    renamed = client.post(f"/admin/categories/{bakery_id}", data={"rename-name": "épicerie", "rename-submit": "1"},
                          follow_redirects=True)
    assert "Une catégorie de ce nom existe déjà ici." in html.unescape(renamed.get_data(as_text=True))
    moved = client.post(f"/admin/categories/{fine_id}", data={"move-parent": "0", "move-submit": "1"},
                        follow_redirects=True)
    assert "Parent : une catégorie de ce nom y est déjà ; fusionnez-les plutôt." in html.unescape(
        moved.get_data(as_text=True))
    client.post(f"/admin/categories/{bakery_id}", data={"rename-name": "BOULANGERIE", "rename-submit": "1"})
    with app.app_context():
        assert db.session.get(Category, bakery_id).name == "BOULANGERIE"  # its own name, in capitals: allowed
        assert db.session.get(Category, fine_id).parent_id == food_id
    assert _actions(app) == ["category.rename"]


def test_a_parent_category_counts_the_products_of_its_whole_subtree_without_a_query_each(app, territory, client):
    import re

    from sqlalchemy import event

    with app.app_context():
        food = f.category("alimentation", "Alimentation")
        bakery = f.category()
        bakery.parent = food
        pastry = f.category("viennoiserie", "Viennoiserie")
        pastry.parent = bakery
        shop = db.session.get(Shop, territory.fournil_id)
        for name in ("Croissant", "Pain au chocolat"):
            f.product(shop, name, category=pastry)
        db.session.commit()
        own = {c.id: db.session.scalar(select(func.count()).select_from(Product).where(Product.category_id == c.id))
               for c in (food, bakery, pastry)}
        food_id, bakery_id, pastry_id = food.id, bakery.id, pastry.id
    assert own[food_id] == 0 and own[pastry_id] == 2

    def count_of(page: str, name: str) -> int:
        return int(re.search(rf">{name}</td>\s*<td[^>]*>(\d+)</td>", page).group(1))

    login(client, territory.admin_email)
    page = client.get("/admin/categories").get_data(as_text=True)
    queries = []

    def count(*_args):
        queries.append(1)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            client.get("/admin/categories")
            first, queries[:] = len(queries), []
            for slug in ("a", "b", "c"):
                f.category(f"sous-{slug}", f"Sous-catégorie {slug}").parent_id = pastry_id
            db.session.commit()
            queries.clear()
            client.get("/admin/categories")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert len(queries) == first  # three more categories, not one query more
    assert "Produits (sous-catégories comprises)" in page
    assert count_of(page, "Viennoiserie") == 2
    assert count_of(page, "Boulangerie") == own[bakery_id] + 2
    assert count_of(page, "Alimentation") == own[bakery_id] + 2  # no product of its own, its subtree's
    assert 'class="depth-0">Alimentation<' in page and 'class="depth-2">Viennoiserie<' in page


def test_merge_moves_products_shops_children_and_campaign_restrictions(app, territory, client):
    with app.app_context():
        bakery, grocery = f.category(), f.category("epicerie")
        pastry = Category(slug="patisserie", name="Pâtisserie", parent=bakery)
        db.session.add(pastry)
        baguette = f.product(db.session.get(Shop, territory.fournil_id), "Baguette")
        employer = db.session.scalar(select(Employer))
        campaign = Campaign(employer_id=employer.id, event="noel", label="Noël", year=2026, amount_cents=1_000,
                            expires_on=date(2027, 12, 31), allowed_categories=["boulangerie", "fromagerie"])
        db.session.add(campaign)
        db.session.commit()
        ledger.issue_grant(db.session, card_id=territory.card_id, amount_cents=1_000, label="Boulangerie seulement",
                           expires_on=date(2027, 12, 31), key="restricted", actor="system",
                           employer_id=employer.id, allowed_categories=["boulangerie"])
        ids = bakery.id, grocery.id, pastry.id, baguette.id, campaign.id
        db.session.execute(IndexOutbox.__table__.delete())
        db.session.commit()
    bakery_id, grocery_id, pastry_id, baguette_id, campaign_id = ids
    login(client, territory.admin_email)
    unconfirmed = client.post(f"/admin/categories/{bakery_id}", data={"merge-target": str(grocery_id),
                                                                       "merge-submit": "1"})
    assert "Cochez la case pour confirmer la fusion." in unconfirmed.get_data(as_text=True)
    into_own_child = client.post(f"/admin/categories/{bakery_id}", data={
        "merge-target": str(pastry_id), "merge-confirm": "y", "merge-submit": "1"})
    assert "Fusionner dans : choisissez dans la liste." in into_own_child.get_data(as_text=True)
    done = client.post(f"/admin/categories/{bakery_id}", data={
        "merge-target": str(grocery_id), "merge-confirm": "y", "merge-submit": "1"}, follow_redirects=True)
    assert "Catégorie « Boulangerie » fusionnée dans « Épicerie » : 1 produit déplacé." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Category, bakery_id) is None
        assert db.session.get(Product, baguette_id).category_id == grocery_id
        assert db.session.get(Shop, territory.fournil_id).category_id == grocery_id
        assert db.session.get(Category, pastry_id).parent_id == grocery_id
        assert db.session.get(Campaign, campaign_id).allowed_categories == ["epicerie", "fromagerie"]
        restricted = db.session.scalar(select(Grant).filter_by(label="Boulangerie seulement"))
        assert restricted.allowed_categories == ["epicerie"]
        queued = {(r.kind, r.entity_id) for r in db.session.scalars(select(IndexOutbox))}
        assert ("product", baguette_id) in queued
        # The restricted grant still pays at the (merged) bakery.
        paid = ledger.redeem(db.session, card_id=territory.card_id, shop_id=territory.fournil_id,
                             amount_cents=44_800, key="after-merge", actor="system")
        assert paid.amount_cents == 44_800  # all of it, the 10 € restricted grant too
    assert _actions(app) == ["category.merge"]


def test_protected_category_is_not_merged(app, territory, client):
    with app.app_context():
        food, bakery = f.category("alimentation", "Alimentation"), f.category()
        db.session.commit()
        food_id, bakery_id = food.id, bakery.id
    login(client, territory.admin_email)
    page = client.post(f"/admin/categories/{food_id}", data={
        "merge-target": str(bakery_id), "merge-confirm": "y", "merge-submit": "1"}, follow_redirects=True)
    assert "renommez-la plutôt que de la fusionner" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Category, food_id) is not None
    assert _actions(app) == []


def test_create_category_under_a_parent(app, territory, client):
    with app.app_context():
        parent_id = f.category("artisanat", "Artisanat").id
        db.session.commit()
    login(client, territory.admin_email)
    client.post("/admin/categories", data={"name": "Verrerie d'art", "parent": str(parent_id)})
    client.post("/admin/categories", data={"name": "Verrerie d'art", "parent": "0"})
    with app.app_context():
        made = db.session.scalars(select(Category).where(Category.name == "Verrerie d'art")
                                  .order_by(Category.id)).all()
        assert [(c.slug, c.parent_id) for c in made] == [("verrerie-d-art", parent_id), ("verrerie-d-art-2", None)]


def _categories_named(app, name):
    with app.app_context():
        return db.session.execute(select(Category.slug, Category.parent_id).where(Category.name == name)).all()


def test_a_category_form_sent_twice_at_once_makes_one_category_and_no_error_page(app, territory):
    answers = post_twice_at_once(app, territory.admin_email, "/admin/categories",
                                 {"name": "Catégorie double", "parent": "0", "once": "double-click"})
    assert [a.status_code for a in answers] == [302, 302]
    assert _categories_named(app, "Catégorie double") == [("categorie-double", None)]


def test_two_category_forms_of_one_name_at_once_make_one_and_refuse_the_other(app, territory):
    """Two tabs (two tokens): never an HTTP 500 on the slug; the second is told the name is taken."""
    clients = []
    for _ in range(2):
        client = app.test_client()
        login(client, territory.admin_email)
        clients.append(client)
    replies = [None, None]
    start = threading.Barrier(2)

    def send(index):
        start.wait()
        replies[index] = clients[index].post("/admin/categories", data={
            "name": "Poterie", "parent": "0", "once": f"tab-{index}"})

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in replies) == [200, 302]
    refused = next(r for r in replies if r.status_code == 200).get_data(as_text=True)
    assert "Une catégorie de ce nom existe déjà ici." in refused
    assert _categories_named(app, "Poterie") == [("poterie", None)]


def test_a_category_form_sent_again_creates_nothing_and_a_new_form_of_the_same_name_is_refused(app, territory,
                                                                                                client):
    login(client, territory.admin_email)
    data = {"name": "Catégorie double", "parent": "0", "once": "back-and-again"}
    assert client.post("/admin/categories", data=data).status_code == 302
    again = client.post("/admin/categories", data=data, follow_redirects=True).get_data(as_text=True)
    assert "Déjà enregistré." in again
    page = client.post("/admin/categories", data={"name": " catégorie  DOUBLE ", "parent": "0"})
    assert page.status_code == 200
    assert "Une catégorie de ce nom existe déjà ici." in page.get_data(as_text=True)
    assert _categories_named(app, "Catégorie double") == [("categorie-double", None)]


# --- Administrators ---------------------------------------------------------------------------------

def test_add_admins_and_remove_rights_but_never_ones_own_nor_the_last(app, territory, client):
    login(client, territory.admin_email)
    assert "Adresse e-mail : indiquez une adresse." in client.post("/admin/administrateurs",
                                                                   data={"email": ""}).get_data(as_text=True)
    client.post("/admin/administrateurs", data={"email": territory.owner_email})
    client.post("/admin/administrateurs", data={"email": "Nouvelle.Elue@Example.fr"})
    with app.app_context():
        existing, invited = outbox()[-2:]
        assert "Connectez-vous avec votre compte habituel" in existing.get_content()
        assert invited["To"] == "nouvelle.elue@example.fr"
        link = next(word for word in invited.get_content().split() if "/reinitialiser/" in word)
    assert app.test_client().get(link.replace("http://localhost", "")).status_code == 200  # a valid link
    with app.app_context():
        me = db.session.scalar(select(User).filter_by(email=territory.admin_email))
        owner = db.session.scalar(select(User).filter_by(email=territory.owner_email))
        new = db.session.scalar(select(User).filter_by(email="nouvelle.elue@example.fr"))
        assert owner.is_admin and new.is_admin
        me_id, owner_id, new_id = me.id, owner.id, new.id
    page = client.get("/admin/administrateurs").get_data(as_text=True)
    assert "nouvelle.elue@example.fr" in page and "vous" in page

    own = client.post(f"/admin/administrateurs/{me_id}/retirer", data={"confirm": "y"}, follow_redirects=True)
    assert "Vous ne pouvez pas retirer vos propres droits" in own.get_data(as_text=True)
    client.post(f"/admin/administrateurs/{owner_id}/retirer", data={})  # not confirmed
    client.post(f"/admin/administrateurs/{owner_id}/retirer", data={"confirm": "y"})
    client.post(f"/admin/administrateurs/{new_id}/retirer", data={"confirm": "y"})
    with app.app_context():
        assert [u.email for u in db.session.scalars(select(User).where(User.is_admin.is_(True)))] == [
            territory.admin_email]
    assert _actions(app) == ["admin.add", "admin.add", "admin.remove", "admin.remove"]


def test_an_invalid_address_adds_no_admin(app, territory, client):
    login(client, territory.admin_email)
    for typed in ("a@b", "<script>@x.fr", "x" * 250 + "@example.fr"):
        page = html.unescape(client.post("/admin/administrateurs", data={"email": typed}).get_data(as_text=True))
        assert "Adresse e-mail invalide." in page or "Adresse e-mail : 254 caractères au plus." in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.is_admin.is_(True))) == 1
    assert _actions(app) == []


def test_the_last_admin_keeps_the_right(app, territory):
    from marketplace import admins

    with app.test_request_context():
        me = db.session.scalar(select(User).filter_by(email=territory.admin_email))
        other = f.user("autre@example.fr", is_admin=True)
        db.session.commit()
        admins.remove_admin(other, actor=me)
        other.is_admin = True  # pretend `me` lost it meanwhile: `other` is now alone
        me.is_admin = False
        db.session.commit()
        try:
            admins.remove_admin(other, actor=me)
        except admins.AdminError as error:
            assert str(error) == "Il faut toujours au moins un administrateur."
        else:
            raise AssertionError("the last admin lost the right")


# --- Card settings ----------------------------------------------------------------------------------

def test_card_settings_are_validated_stored_and_used_by_settlement_and_new_cards(app, territory, client):
    from loyalty.ledger import GrantOrder, issue_grants
    from marketplace import settlement
    from marketplace.settings import card_settings

    login(client, territory.admin_email)
    page = client.get("/admin/reglages-carte").get_data(as_text=True)
    assert 'value="9250"' in page and 'value="150"' in page  # the config.py defaults
    refused = client.post("/admin/reglages-carte", data={"card_prefix": "4970", "commission_bps": "300"})
    assert "il doit commencer par 9" in refused.get_data(as_text=True)
    refused = client.post("/admin/reglages-carte", data={"card_prefix": "9123", "commission_bps": "2500"})
    assert "entre 0 et 2000 points de base" in refused.get_data(as_text=True)
    assert _actions(app) == []
    client.post("/admin/reglages-carte", data={"card_prefix": "9123", "commission_bps": "300"})
    assert _actions(app) == ["settings.card"]
    with app.test_request_context():
        assert (card_settings().card_prefix, card_settings().commission_bps) == ("9123", 300)
        run = settlement.create_run("monthly", date(2026, 10, 1), date(2026, 10, 31))
        assert run.commission_bps == 300
        employer_id = db.session.scalar(select(Employer.id))
        [result] = issue_grants(db.session, items=[GrantOrder(key="new-card", amount_cents=100)], label="Test",
                                expires_on=date(2027, 12, 31), actor="system", employer_id=employer_id,
                                prefix=card_settings().card_prefix)
        from loyalty.models import Card
        assert db.session.get(Card, result.card_id).number.startswith("9123")


def test_the_admin_sets_the_pin_lock_delay(app, territory, client):
    from loyalty import cards
    from loyalty.errors import PinLockout, WrongPin
    from marketplace.settings import card_settings

    login(client, territory.admin_email)
    settings = {"card_prefix": "9250", "commission_bps": "150"}
    assert 'name="pin_lock_minutes" type="text" value="30"' in client.get("/admin/reglages-carte").get_data(as_text=True)
    refused = client.post("/admin/reglages-carte", data={**settings, "pin_lock_minutes": "0"}).get_data(as_text=True)
    assert "Verrouillage du code PIN : un nombre entier de minutes" in refused
    client.post("/admin/reglages-carte", data={**settings, "pin_lock_minutes": "90"})
    with app.app_context():
        assert card_settings().pin_lock_minutes == 90
        card = cards.create_card(db.session, active=True, pin="1234")
        for _ in range(4):
            with pytest.raises(WrongPin):
                cards.check_pin(db.session, card.id, "0000")
        with pytest.raises(PinLockout) as lockout:
            cards.check_pin(db.session, card.id, "0000", lock_minutes=card_settings().pin_lock_minutes)
        assert lockout.value.minutes == 90


def test_a_refused_card_setting_is_shown_under_its_field_in_either_language(app, territory, client):
    login(client, territory.admin_email)
    english = client.post("/admin/reglages-carte?lang=en", data={"card_prefix": "4970", "commission_bps": "300",
                                                                 "pin_required_above": "250"}).get_data(as_text=True)
    assert '<small id="card_prefix-error" class="field-error">Card prefix: it must start with 9' in english
    french = client.post("/admin/reglages-carte?lang=fr", data={"card_prefix": "9250", "commission_bps": "150",
                                                                "pin_required_above": "250"}).get_data(as_text=True)
    assert '<small id="pin_required_above-error" class="field-error">PIN demandé au-delà de : entre 0' in french


def test_every_refused_card_setting_is_shown_at_once_under_its_field_and_nothing_changes(app, territory, client):
    from marketplace.settings import card_settings

    login(client, territory.admin_email)
    page = client.post("/admin/reglages-carte", data={"card_prefix": "4970", "commission_bps": "1,5",
                                                      "pin_required_above": "600", "pin_lock_minutes": "0",
                                                      "settlement_cadence": "daily"}).get_data(as_text=True)
    for name, message in (("card_prefix", "Préfixe des cartes : il doit commencer par 9"),
                          ("commission_bps", "Commission : un nombre entier de points de base"),
                          ("pin_required_above", "PIN demandé au-delà de : entre 0 et 100"),
                          ("pin_lock_minutes", "Verrouillage du code PIN : un nombre entier de minutes")):
        assert f'<small id="{name}-error" class="field-error">{message}' in page
    assert _actions(app) == []
    with app.test_request_context():
        assert (card_settings().card_prefix, card_settings().settlement_cadence) == ("9250", "weekly")


def test_the_card_settings_page_counts_basis_points_and_minutes_with_plurals(app, territory, client):
    """Plural texts (ngettext): 1 in the singular; 0 too once translations/fr has their two forms
    (tests/test_translations.py checks every plural text is there)."""
    login(client, territory.admin_email)
    client.post("/admin/reglages-carte", data={"card_prefix": "9250", "commission_bps": "1", "pin_lock_minutes": "1"})
    page = client.get("/admin/reglages-carte").get_data(as_text=True)
    assert "est de 1 point de base." in page and "pendant 1 minute." in page
    client.post("/admin/reglages-carte", data={"card_prefix": "9250", "commission_bps": "150", "pin_lock_minutes": "2"})
    page = client.get("/admin/reglages-carte").get_data(as_text=True)
    assert "est de 150 points de base." in page and "pendant 2 minutes." in page


def test_pin_threshold_lets_small_payments_through_without_the_pin(app, territory, client):
    import pytest

    from loyalty.cards import set_pin
    from loyalty.errors import PinRequired
    from loyalty.models import Card
    from marketplace.till import service

    with app.app_context():
        set_pin(db.session, territory.card_id, "4321")
        db.session.commit()
    login(client, territory.admin_email)
    refused = client.post("/admin/reglages-carte", data={"card_prefix": "9250", "commission_bps": "150",
                                                         "pin_required_above": "250"})
    assert "entre 0 et 100 €" in refused.get_data(as_text=True)
    with app.test_request_context():
        card, shop = db.session.get(Card, territory.card_id), db.session.get(Shop, territory.fournil_id)
        with pytest.raises(PinRequired):  # default: the PIN is always asked
            service.take_payment(shop, card, 500, pin=None, client_key="a", actor="system", allow_partial=False)
        db.session.rollback()
    client.post("/admin/reglages-carte", data={"card_prefix": "9250", "commission_bps": "150",
                                               "pin_required_above": "20,00"})
    assert 'value="20,00"' in client.get("/admin/reglages-carte").get_data(as_text=True)
    with app.test_request_context():
        card, shop = db.session.get(Card, territory.card_id), db.session.get(Shop, territory.fournil_id)
        assert service.take_payment(shop, card, 2_000, pin=None, client_key="b", actor="system",
                                    allow_partial=False).amount_cents == 2_000
        with pytest.raises(PinRequired):
            service.take_payment(shop, card, 2_001, pin=None, client_key="c", actor="system", allow_partial=False)
        db.session.rollback()
        assert service.take_payment(shop, card, 2_001, pin="4321", client_key="d", actor="system",
                                    allow_partial=False).amount_cents == 2_001


def test_a_merged_category_s_links_lead_to_the_category_that_took_its_products(app, territory, client):
    with app.app_context():
        bakery, grocery, food = f.category(), f.category("epicerie"), f.category("alimentation", "Alimentation")
        db.session.commit()
        bakery_id, grocery_id, food_id = bakery.id, grocery.id, food.id
    login(client, territory.admin_email)
    client.post(f"/admin/categories/{bakery_id}", data={
        "merge-target": str(grocery_id), "merge-confirm": "y", "merge-submit": "1"})
    moved = client.get("/categories/boulangerie?page=2")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/categories/epicerie?page=2")
    assert client.get("/api/v1/search?q=pain&category=boulangerie").status_code == 200  # a shared search
    assert client.get("/api/v1/search?q=pain&category=inconnue").status_code == 422
    # Merged again: the first slug follows.
    with app.app_context():
        from marketplace.taxonomy import merge_category
        merge_category(db.session, db.session.get(Category, grocery_id), db.session.get(Category, food_id))
    assert client.get("/categories/boulangerie").headers["Location"].endswith("/categories/alimentation")
    assert client.get("/categories/epicerie").headers["Location"].endswith("/categories/alimentation")
    assert client.get("/categories/inconnue").status_code == 404
