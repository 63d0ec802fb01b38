"""Top-up programmes: while one runs, each paid purchase of credit gets its top-up, a grant of
its own funded from the programme's budget, spent only where the programme says; the budget is
never overspent, even by purchases paid at the same time; a refund takes back what is left."""
import html as html_module
import re
import secrets
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loyalty import ledger
from loyalty.clock import paris_day, utc_now
from loyalty.errors import InsufficientBalance
from loyalty.models import Account, Entry, Grant
from loyalty.queries import card_balance
from loyalty.verify import verify
from marketplace import gift_cards, topup_programmes
from marketplace.extensions import db
from marketplace.models import CreditPurchase, CreditPurchaseItem, TopUpAward, TopUpProgramme, User
from tests import factories as f
from tests.conftest import login, post_twice_at_once


def today():
    """The territory's day now (Paris), read when used: a run may cross midnight in Paris."""
    return paris_day(utc_now())


def programme(admin_id, *, budget=100_000, rate=50, per_purchase=5_000, per_person=8_000, communes=None,
              categories=None, starts=None, ends=None):
    starts = starts or today()
    ends = ends or today() + timedelta(days=30)
    return topup_programmes.create(topup_programmes.ProgrammeTerms(
        name="Printemps du centre", budget_cents=budget, rate_percent=rate, cap_per_purchase_cents=per_purchase,
        cap_per_person_cents=per_person, starts_on=starts, ends_on=ends, allowed_categories=categories,
        allowed_communes=communes), admin=db.session.get(User, admin_id)).id


def paid_gift(cents, buyer="jeanne@example.fr"):
    """A gift card bought and paid (as the webhook records it), sent later: no PIN asked."""
    purchase = CreditPurchase(kind="gift", token=secrets.token_urlsafe(32), form_token=secrets.token_urlsafe(24),
                              buyer_name="Jeanne", buyer_email=buyer, amount_cents=cents, status="pending",
                              stripe_payment_intent_id=f"pi_{secrets.token_hex(8)}",
                              items=[CreditPurchaseItem(amount_cents=cents, recipient_name="Paul",
                                                        recipient_email="paul@example.fr",
                                                        deliver_on=today() + timedelta(days=3))])
    db.session.add(purchase)
    db.session.commit()
    return gift_cards.record_paid(purchase.id).items[0]


@pytest.fixture
def world(app):
    with app.app_context():
        centre = f.commune()
        outskirts = f.commune(**f.ARNAY)
        here = f.shop("Boulangerie Moreau", centre)
        there = f.shop("Épicerie des Champs", outskirts)
        admin = f.user("admin@example.fr", is_admin=True)
        db.session.commit()
        return {"centre": centre.insee, "outskirts": outskirts.insee, "here": here.id, "there": there.id,
                "admin": admin.id}


def test_a_paid_purchase_gets_its_top_up_spent_only_in_the_programmes_communes(app, world, client):
    with app.app_context():
        programme_id = programme(world["admin"], communes=[world["centre"]])
        item = paid_gift(2_000)
        card_id, token = item.card_id, item.purchase.token
    # The buyer's receipt shows the top-up apart from what was paid.
    receipt = client.get(f"/carte-cadeau/achat/{token}").get_data(as_text=True)
    assert re.search(r'data-testid="receipt-top-up">\+ 10,00\s€ offerts : Abondement Printemps du centre', receipt)
    with app.app_context():
        grants = db.session.scalars(select(Grant).where(Grant.card_id == card_id).order_by(Grant.id)).all()
        assert [(g.label, g.account.balance_cents) for g in grants] == [
            ("Cadeau de Jeanne", 2_000), ("Abondement Printemps du centre", 1_000)]
        top_up = grants[1]
        assert top_up.funder_account.code == f"programme:{programme_id}"
        # The monthly statements name who funded it: the programme, not the territory fund.
        from marketplace.closing import _funder_labels

        assert _funder_labels([top_up.funder_account_id]) == {
            top_up.funder_account_id: f"Programme d'abondement {programme_id} Printemps du centre"}
        assert top_up.allowed_communes == [world["centre"]] and card_balance(db.session, card_id) == 3_000
        db.session.commit()
        # On the outskirts only what was paid for pays.
        with pytest.raises(InsufficientBalance):
            ledger.redeem(db.session, card_id=card_id, shop_id=world["there"], amount_cents=2_500, key="far",
                          actor="test")
        ledger.redeem(db.session, card_id=card_id, shop_id=world["there"], amount_cents=2_000, key="far2",
                      actor="test")
        # In the town centre the top-up pays too.
        ledger.redeem(db.session, card_id=card_id, shop_id=world["here"], amount_cents=1_000, key="near",
                      actor="test")
        assert card_balance(db.session, card_id) == 0
        figures = topup_programmes.figures(db.session.get(TopUpProgramme, programme_id))
        assert (figures.budget_cents, figures.used_cents, figures.left_cents) == (100_000, 1_000, 99_000)
        assert figures.by_shop == [("Boulangerie Moreau", "Semur-en-Auxois", 1_000)]
        assert figures.by_commune == [("Semur-en-Auxois", 1_000)]


def test_caps_per_purchase_and_per_person_and_the_budget_bound_each_top_up(app, world):
    with app.app_context():
        programme(world["admin"], budget=9_000, per_purchase=3_000, per_person=5_000)
        assert topup_programmes.award_of(paid_gift(10_000).id).amount_cents == 3_000  # 50 % of 100 €, capped
        assert topup_programmes.award_of(paid_gift(10_000).id).amount_cents == 2_000  # the person's 5 000 reached
        assert topup_programmes.award_of(paid_gift(10_000).id) is None
        assert topup_programmes.award_of(paid_gift(8_000, buyer="paul@example.fr").id).amount_cents == 3_000
        assert topup_programmes.award_of(paid_gift(8_000, buyer="lea@example.fr").id).amount_cents == 1_000  # budget
        assert topup_programmes.award_of(paid_gift(8_000, buyer="zoe@example.fr").id) is None
        total = db.session.scalar(select(func.sum(TopUpAward.amount_cents)))
        assert total == 9_000


def test_no_top_up_outside_the_programmes_dates(app, world):
    with app.app_context():
        programme(world["admin"], starts=today() + timedelta(days=1), ends=today() + timedelta(days=5))
        item = paid_gift(2_000)
        assert topup_programmes.award_of(item.id) is None and card_balance(db.session, item.card_id) == 2_000


def test_a_refund_takes_back_what_is_left_of_the_top_up_and_frees_the_budget(app, world, stripe_app):
    with app.app_context():
        programme_id = programme(world["admin"])
        item = paid_gift(2_000)
        item_id, card_id = item.id, item.card_id
        db.session.commit()
        # 25 € spent: the bought 20 € and 5 € of the 10 € top-up.
        ledger.redeem(db.session, card_id=card_id, shop_id=world["here"], amount_cents=2_500, key="r", actor="test")
        taken = topup_programmes.take_back_for_item(item_id, actor="test")
        assert taken == 500 and card_balance(db.session, card_id) == 0
        assert topup_programmes.take_back_for_item(item_id, actor="test") == 0  # once
        prog = db.session.get(TopUpProgramme, programme_id)
        assert topup_programmes.used_cents(prog) == 500 and topup_programmes.left_cents(prog) == 99_500


def test_a_refund_after_the_card_was_replaced_takes_back_the_top_up_from_the_new_card(app, world, stripe_app):
    from loyalty.cards import block_card

    with app.app_context():
        programme(world["admin"])
        item = paid_gift(2_000)  # 20 € bought, a 10 € top-up
        item_id, card_id = item.id, item.card_id
        db.session.commit()
        ledger.redeem(db.session, card_id=card_id, shop_id=world["here"], amount_cents=2_500, key="r", actor="test")
        block_card(db.session, card_id)
        new_id = ledger.replace_card(db.session, card_id=card_id, key="replace", actor="test").card_id
        assert card_balance(db.session, new_id) == 500
        assert topup_programmes.take_back_for_item(item_id, actor="test") == 500
        assert card_balance(db.session, new_id) == 0 and verify(db.session) == []


def pending_purchases(count: int, prefix: str) -> list[int]:
    """`count` gift purchases of 30 €, each by a buyer of their own, waiting for their payment."""
    ids = []
    for n in range(count):
        purchase = CreditPurchase(kind="gift", token=secrets.token_urlsafe(32), form_token=secrets.token_urlsafe(24),
                                  buyer_name="B", buyer_email=f"b{n}@example.fr", amount_cents=3_000,
                                  status="pending", stripe_payment_intent_id=f"pi_{prefix}_{n}",
                                  items=[CreditPurchaseItem(amount_cents=3_000, recipient_name="R",
                                                            recipient_email="r@example.fr",
                                                            deliver_on=today() + timedelta(days=3))])
        db.session.add(purchase)
        db.session.commit()
        ids.append(purchase.id)
    return ids


def pay_at_once(app, purchase_ids, threads=8) -> None:
    """Record the purchases as paid from `threads` threads started together (the real database)."""
    errors = []
    start = threading.Barrier(threads)

    def worker(ids):
        with app.app_context():
            try:
                start.wait()
                for purchase_id in ids:
                    gift_cards.record_paid(purchase_id)
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    running = [threading.Thread(target=worker, args=(purchase_ids[i::threads],)) for i in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    assert errors == []


def test_concurrent_purchases_never_overspend_the_budget(app, world):
    """Threads paying purchases at the same time against the real database file."""
    with app.app_context():
        programme_id = programme(world["admin"], budget=10_000, per_purchase=1_000, per_person=1_000)
        purchases = pending_purchases(24, "conc")
    pay_at_once(app, purchases)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CreditPurchase)
                                 .where(CreditPurchase.status == "paid")) == 24
        awards = db.session.scalars(select(TopUpAward.amount_cents)).all()
        assert sum(awards) == 10_000 and len(awards) == 10
        budget = db.session.scalar(select(Account).where(Account.code == f"programme:{programme_id}"))
        assert budget.balance_cents == 0
        assert verify(db.session) == []


def test_the_admin_creates_a_programme_and_sees_it_live(app, world, client):
    login(client, "admin@example.fr")
    page = client.get("/admin/programmes-abondement/nouveau")
    assert page.status_code == 200
    bad = client.post("/admin/programmes-abondement/nouveau", data={
        "name": "Centre", "budget": "-5", "rate_percent": "50", "cap_per_purchase": "20", "cap_per_person": "40",
        "starts_on": today().isoformat(), "ends_on": (today() - timedelta(days=1)).isoformat()})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Budget" in html and "Fin : le jour du début ou plus tard." in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TopUpProgramme)) == 0
    good = client.post("/admin/programmes-abondement/nouveau", data={
        "name": "Centre", "budget": "1000", "rate_percent": "50", "cap_per_purchase": "20", "cap_per_person": "40",
        "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=9)).isoformat(),
        "communes": world["centre"]})
    assert good.status_code == 302
    with app.app_context():
        programme_id = db.session.scalar(select(TopUpProgramme.id))
        paid_gift(3_000)
    live = client.get(f"/admin/programmes-abondement/{programme_id}").get_data(as_text=True)
    assert "000,00" in live and "15,00" in live and "985,00" in live
    listing = client.get("/admin/programmes-abondement").get_data(as_text=True)
    assert "Centre" in listing
    # Not for a resident.
    client.get("/deconnexion")
    with app.app_context():
        f.user("resident@example.fr")
        db.session.commit()
    login(client, "resident@example.fr")
    assert client.get(f"/admin/programmes-abondement/{programme_id}").status_code in (403, 404)


def test_a_purchase_paid_on_stripe_gets_its_top_up_and_the_admins_refund_takes_it_back(stripe_app, gift_world,
                                                                                         client):
    from tests.gifts.test_gift_cards import _item_of, buy_two

    with stripe_app.app_context():
        programme_id = programme(gift_world["admin"], per_purchase=2_000)
    token, _ = buy_two(client)  # 30 € and 25,50 € in one purchase: top-ups 15 € and 5 € (the purchase's cap)
    with stripe_app.app_context():
        first, second = _item_of(token, 0), _item_of(token, 1)
        assert [topup_programmes.award_of(i.id).amount_cents for i in (first, second)] == [1_500, 500]
        item_id, card_id = second.id, second.card_id
        assert card_balance(db.session, card_id) == 3_050
    login(client, "admin@example.fr")
    client.post(f"/admin/cartes-cadeaux/{item_id}/rembourser", data={"confirm": "y"})
    with stripe_app.app_context():
        assert db.session.get(CreditPurchaseItem, item_id).refunded_cents == 2_550  # the buyer gets what they paid
        assert card_balance(db.session, card_id) == 0  # and the top-up went back to the programme
        prog = db.session.get(TopUpProgramme, programme_id)
        assert topup_programmes.used_cents(prog) == 1_500 and topup_programmes.left_cents(prog) == 98_500


def test_the_budget_can_be_raised_but_not_below_what_was_used(app, world, client):
    with app.app_context():
        programme_id = programme(world["admin"], budget=1_000)
        paid_gift(2_000)  # uses the whole 10 €
    login(client, "admin@example.fr")
    form = {"name": "Printemps", "rate_percent": "50", "cap_per_purchase": "50", "cap_per_person": "80",
            "starts_on": today().isoformat(), "ends_on": (today() + timedelta(days=30)).isoformat()}
    assert client.get(f"/admin/programmes-abondement/{programme_id}/modifier").status_code == 200
    refused = client.post(f"/admin/programmes-abondement/{programme_id}/modifier", data={**form, "budget": "9"})
    assert "Budget : au moins 10,00" in refused.get_data(as_text=True)
    raised = client.post(f"/admin/programmes-abondement/{programme_id}/modifier", data={**form, "budget": "30"})
    assert raised.status_code == 302
    with app.app_context():
        prog = db.session.get(TopUpProgramme, programme_id)
        assert prog.budget_cents == 3_000 and prog.name == "Printemps"
        assert topup_programmes.left_cents(prog) == 2_000


def test_a_new_programme_does_not_start_in_the_past_nor_does_a_running_one_end_there(app, world, client):
    login(client, "admin@example.fr")
    terms = {"name": "Centre", "budget": "1000", "rate_percent": "50", "cap_per_purchase": "20",
             "cap_per_person": "40", "ends_on": (today() + timedelta(days=9)).isoformat()}
    letters = html_module.unescape(client.post("/admin/programmes-abondement/nouveau", data={
        **terms, "rate_percent": "abc", "starts_on": today().isoformat()}).get_data(as_text=True))
    assert letters.count("Abondement : un nombre entier de 1 à 200.") == 1 and "entier valide" not in letters
    huge = html_module.unescape(client.post("/admin/programmes-abondement/nouveau", data={
        **terms, "budget": "99999999999", "cap_per_person": "99999999999", "starts_on": today().isoformat()})
        .get_data(as_text=True)).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Budget : 10 000 000,00 € au plus." in huge and "plus grand que zéro" not in huge
    assert "Abondement au plus par personne : 10 000 000,00 € au plus." in huge
    refused = client.post("/admin/programmes-abondement/nouveau", data={**terms, "starts_on": "2020-01-01"})
    assert "Début : aujourd&#39;hui ou plus tard." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TopUpProgramme)) == 0
        programme_id = programme(world["admin"], starts=today() - timedelta(days=5))  # running since 5 days
    edit = f"/admin/programmes-abondement/{programme_id}/modifier"
    running = {**terms, "starts_on": (today() - timedelta(days=5)).isoformat()}
    refused = client.post(edit, data={**running, "ends_on": (today() - timedelta(days=1)).isoformat()})
    assert "Fin : aujourd&#39;hui ou plus tard (un programme ne s&#39;arrête pas dans le passé)." in (
        refused.get_data(as_text=True))
    refused = client.post(edit, data={**running, "starts_on": "2020-01-01"})
    assert "Début : aujourd&#39;hui ou plus tard." in refused.get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(TopUpProgramme, programme_id)
        assert (stored.name, stored.starts_on, stored.ends_on) == (
            "Printemps du centre", today() - timedelta(days=5), today() + timedelta(days=30))
    # Its start, already past, stays as it is; it may end today.
    assert client.post(edit, data={**running, "ends_on": today().isoformat()}).status_code == 302
    with app.app_context():
        assert db.session.get(TopUpProgramme, programme_id).ends_on == today()


def test_the_programmes_form_names_its_lists_of_boxes_and_lets_a_long_one_be_filtered(app, world, client):
    """Each list of boxes is a fieldset named by its legend (a label cannot name a list); a long
    one (the territory's communes) carries what halle.js needs to filter it and count the ticks,
    and what was ticked comes back ticked when the form is refused."""
    with app.app_context():
        for n in range(12):
            f.commune(insee=f"219{n:02d}", name=f"Commune {n:02d}", slug=f"commune-{n:02d}")
        db.session.commit()
    login(client, "admin@example.fr")
    refused = client.post("/admin/programmes-abondement/nouveau", data={
        "name": "", "budget": "1000", "rate_percent": "50", "cap_per_purchase": "20", "cap_per_person": "40",
        "starts_on": today().isoformat(), "ends_on": today().isoformat(), "communes": ["21905", world["outskirts"]]})
    html = html_module.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 200 and "Nom du programme : obligatoire." in html
    communes = re.search(r'<fieldset class="checklist is-long"[^>]*data-testid="checklist-communes".*?</fieldset>',
                         html, re.S).group(0)
    assert "data-checklist-filter" in communes and 'data-filter-label="Filtrer la liste"' in communes
    assert "<legend>Communes où l'abondement se dépense (aucune cochée : toutes)</legend>" in communes
    assert len(re.findall(r'<input[^>]*type="checkbox"', communes)) == 14
    ticked = re.findall(r'<input checked[^>]*value="(\d+)"|<input[^>]*value="(\d+)"[^>]*checked', communes)
    assert sorted(a or b for a, b in ticked) == sorted(["21905", world["outskirts"]])
    categories = re.search(r'<fieldset class="checklist"[^>]*data-testid="checklist-categories".*?</fieldset>',
                           html, re.S).group(0)
    assert "data-checklist-filter" not in categories  # a short list needs no filter
    assert 'for="communes"' not in html and 'for="categories"' not in html


def _programme_fundings(app) -> list[int]:
    with app.app_context():
        return db.session.scalars(select(Entry.amount_cents).where(
            Entry.kind == "fund", Entry.idempotency_key.like("programme:%"))).all()


def test_a_programme_form_sent_twice_at_once_makes_one_programme_and_funds_it_once(app, world):
    data = {"name": "Centre", "budget": "1000", "rate_percent": "50", "cap_per_purchase": "20",
            "cap_per_person": "40", "starts_on": today().isoformat(),
            "ends_on": (today() + timedelta(days=9)).isoformat(), "once": "double-click"}
    answers = post_twice_at_once(app, "admin@example.fr", "/admin/programmes-abondement/nouveau", data)
    with app.app_context():
        programme_id = db.session.scalar(select(TopUpProgramme.id))
        assert db.session.scalar(select(func.count()).select_from(TopUpProgramme)) == 1
        assert verify(db.session) == []
    assert _programme_fundings(app) == [100_000]
    assert [a.headers["Location"] for a in answers] == [f"/admin/programmes-abondement/{programme_id}"] * 2


def test_a_programme_form_sent_again_after_back_leads_to_the_first_programme(app, world, client):
    login(client, "admin@example.fr")
    data = {"name": "Centre", "budget": "1000", "rate_percent": "50", "cap_per_purchase": "20",
            "cap_per_person": "40", "starts_on": today().isoformat(),
            "ends_on": (today() + timedelta(days=9)).isoformat(), "once": "back-and-again"}
    first = client.post("/admin/programmes-abondement/nouveau", data=data)
    again = client.post("/admin/programmes-abondement/nouveau", data=data)
    assert again.headers["Location"] == first.headers["Location"]
    assert "Déjà enregistré." in client.get(again.headers["Location"]).get_data(as_text=True)
    assert _programme_fundings(app) == [100_000]
