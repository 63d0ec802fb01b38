import pytest

from loyalty.cards import block_card, create_card
from loyalty.models import Card
from loyalty.verify import verify
from marketplace.api_keys import create_api_key, revoke_api_key
from marketplace.extensions import db
from marketplace.mail import outbox
from marketplace.models import ApiKey, User
from tests.till.conftest import card_number, new_funded_card
from tests.till.test_till_page import UNKNOWN_CARD, balance


def api_key(app, shop_id: int) -> str:
    with app.app_context():
        owner = User.query.filter_by(email="owner@example.fr").one()
        return create_api_key(shop_id, "Caisse", owner.id)[1]


def headers(key: str, idempotency: str | None = None, **extra) -> dict:
    result = {"Authorization": f"Bearer {key}", **extra}
    if idempotency:
        result["Idempotency-Key"] = idempotency
    return result


def redeem(client, key, body, idem="k1"):
    return client.post("/api/v1/redemptions", json=body, headers=headers(key, idem))


def test_balance_and_redemption(app, client, till):
    key = api_key(app, till["shop"])
    number = card_number(app, till["card"])
    response = client.get(f"/api/v1/cards/{number}/balance", headers=headers(key))
    assert response.status_code == 200
    assert response.get_json() == {"card": {"last4": number[-4:], "status": "active"},
                                   "spendable_cents": 10_000, "currency": "EUR"}
    response = redeem(client, key, {"card": number, "amount_cents": 1250})
    assert response.status_code == 201
    body = response.get_json()
    assert body["amount_cents"] == 1250 and body["card_balance_cents"] == 8750 and body["kind"] == "redeem"
    listing = client.get("/api/v1/redemptions", headers=headers(key)).get_json()
    assert listing["total_cents"] == 1250 and [r["id"] for r in listing["redemptions"]] == [body["id"]]


def test_replay_returns_the_same_response_and_a_changed_body_conflicts(app, client, till):
    key = api_key(app, till["shop"])
    number = card_number(app, till["card"])
    first = redeem(client, key, {"card": number, "amount_cents": 1000}, idem="abc")
    again = redeem(client, key, {"card": number, "amount_cents": 1000}, idem="abc")
    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())
    conflict = redeem(client, key, {"card": number, "amount_cents": 2000}, idem="abc")
    assert conflict.status_code == 409 and conflict.get_json()["error"]["code"] == "idempotency_conflict"
    assert balance(app, till["card"]) == 9000


def test_insufficient_balance_says_what_is_available(app, client, till):
    key = api_key(app, till["shop"])
    number = card_number(app, till["card"])
    response = redeem(client, key, {"card": number, "amount_cents": 15_000})
    assert response.status_code == 402
    assert response.get_json()["error"]["available_cents"] == 10_000
    partial = redeem(client, key, {"card": number, "amount_cents": 15_000, "allow_partial": True}, idem="p")
    assert partial.status_code == 201 and partial.get_json()["amount_cents"] == 10_000


def test_unknown_card_and_wrong_pin_look_the_same(app, client, till):
    with app.app_context():
        pin_card = new_funded_card(5000, pin="1234", key_suffix="pin")
    key = api_key(app, till["shop"])
    unknown = redeem(client, key, {"card": UNKNOWN_CARD, "amount_cents": 100}, idem="u")
    wrong_pin = redeem(client, key, {"card": card_number(app, pin_card), "amount_cents": 100, "pin": "0000"},
                       idem="w")
    no_pin = redeem(client, key, {"card": card_number(app, pin_card), "amount_cents": 100}, idem="n")
    assert unknown.status_code == wrong_pin.status_code == no_pin.status_code == 403
    assert unknown.get_json() == wrong_pin.get_json() == no_pin.get_json()
    right = redeem(client, key, {"card": card_number(app, pin_card), "amount_cents": 100, "pin": "1234"},
                   idem="r")
    assert right.status_code == 201


def test_unknown_wrong_pin_locked_and_blocked_cards_get_one_answer(app, client, till):
    """A shop cannot tell which numbers exist, nor see that it locked a card."""
    with app.app_context():
        pin_card = new_funded_card(5000, holder_user_id=till["holder"], pin="1234", key_suffix="pin")
        blocked = new_funded_card(5000, key_suffix="blocked")
        block_card(db.session, blocked)
        pending = create_card(db.session).id
    key = api_key(app, till["shop"])
    number = card_number(app, pin_card)
    answers = [redeem(client, key, {"card": UNKNOWN_CARD, "amount_cents": 100}, idem="unknown"),
               redeem(client, key, {"card": UNKNOWN_CARD, "amount_cents": 100, "pin": "1234"}, idem="unknown pin"),
               redeem(client, key, {"card": number, "amount_cents": 100}, idem="no pin")]
    for attempt in range(5):  # the 5th locks the PIN
        answers.append(redeem(client, key, {"card": number, "amount_cents": 100, "pin": "9999"}, idem=f"w{attempt}"))
    answers.append(redeem(client, key, {"card": number, "amount_cents": 100, "pin": "1234"}, idem="locked"))
    answers += [redeem(client, key, {"card": card_number(app, blocked), "amount_cents": 100}, idem="blocked"),
                redeem(client, key, {"card": card_number(app, pending), "amount_cents": 100}, idem="pending")]
    for card in (UNKNOWN_CARD, number, card_number(app, blocked), card_number(app, pending)):
        answers.append(client.get(f"/api/v1/cards/{card}/balance", headers=headers(key, **{"X-Card-Pin": "1234"})))
    assert {(a.status_code, str(a.get_json())) for a in answers} == {(403, str(answers[0].get_json()))}
    assert answers[0].get_json()["error"]["code"] == "card_or_pin_invalid"
    with app.app_context():
        card = db.session.get(Card, pin_card)
        assert card.status == "active" and card.pin_locked_until is not None  # a lock, not "blocked"
        assert outbox()[-1]["To"] == "holder@example.fr" and "verrouillé" in outbox()[-1]["Subject"]
    assert balance(app, pin_card) == 5000


def test_wrong_pins_are_limited_per_shop_across_cards_and_keys(app, client, till):
    app.config["SHOP_WRONG_PIN_LIMIT"] = "3 per hour"
    try:
        with app.app_context():
            cards = [new_funded_card(5000, pin="1234", key_suffix=f"pin{i}") for i in range(3)]
            fresh = new_funded_card(5000, pin="1234", key_suffix="fresh")
            without_pin = new_funded_card(5000, key_suffix="nopin")
        first, second = api_key(app, till["shop"]), api_key(app, till["shop"])
        for index, card_id in enumerate(cards):  # one wrong PIN on each card, through two keys
            wrong = redeem(client, (first, second)[index % 2], {"card": card_number(app, card_id),
                                                                 "amount_cents": 100, "pin": "0000"}, idem=f"w{index}")
            assert wrong.status_code == 403
        refused = redeem(client, second, {"card": card_number(app, fresh), "amount_cents": 100, "pin": "0000"},
                         idem="over")
        assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "shop_pin_tries_exhausted"
        right = redeem(client, first, {"card": card_number(app, fresh), "amount_cents": 100, "pin": "1234"},
                       idem="right")
        assert right.status_code == 429  # no PIN at all is tried from this shop for now
        with app.app_context():
            assert db.session.get(Card, fresh).failed_pin_attempts == 0  # the card was not touched
        assert redeem(client, first, {"card": card_number(app, without_pin), "amount_cents": 100},
                      idem="no pin").status_code == 201  # cards without a PIN still pay
        other = api_key(app, till["other_shop"])
        assert redeem(client, other, {"card": card_number(app, fresh), "amount_cents": 100, "pin": "1234"},
                      idem="other shop").status_code == 201
    finally:
        app.config["SHOP_WRONG_PIN_LIMIT"] = "20 per hour"


def test_without_rate_limits_wrong_pins_are_still_refused_per_card(app, client, till):
    from marketplace.extensions import limiter

    with app.app_context():
        pin_card = new_funded_card(5000, pin="1234", key_suffix="pin")
    key = api_key(app, till["shop"])
    limiter.enabled = False  # RATELIMIT_ENABLED=0: no shop budget, no error either
    try:
        wrong = redeem(client, key, {"card": card_number(app, pin_card), "amount_cents": 100, "pin": "0000"})
        right = redeem(client, key, {"card": card_number(app, pin_card), "amount_cents": 100, "pin": "1234"},
                       idem="k2")
    finally:
        limiter.enabled = True
    assert (wrong.status_code, right.status_code) == (403, 201)


def test_an_idempotency_key_is_the_shop_s_not_the_api_key_s(app, client, till):
    first, second = api_key(app, till["shop"]), api_key(app, till["shop"])
    number = card_number(app, till["card"])
    body = {"card": number, "amount_cents": 1000}
    paid = redeem(client, first, body, idem="ticket-42")
    again = redeem(client, second, body, idem="ticket-42")  # the second till of the same shop
    assert paid.status_code == again.status_code == 201 and again.get_json() == paid.get_json()
    assert balance(app, till["card"]) == 9000
    elsewhere = redeem(client, api_key(app, till["other_shop"]), body, idem="ticket-42")
    assert elsewhere.status_code == 201 and elsewhere.get_json()["id"] != paid.get_json()["id"]
    assert balance(app, till["card"]) == 8000
    with app.app_context():
        assert verify(db.session) == []


def test_validation_errors_name_the_field(app, client, till):
    key = api_key(app, till["shop"])
    number = card_number(app, till["card"])
    cases = [
        ({"card": number, "amount_cents": "12,50"}, "amount_cents"),
        ({"card": number, "amount_cents": -5}, "amount_cents"),
        ({"card": number, "amount_cents": True}, "amount_cents"),
        ({"amount_cents": 100}, "card"),
        ({"card": " ", "amount_cents": 100}, "card"),
        ({"card": number, "amount_cents": 100, "tip": 1}, "tip"),
    ]
    for body, field in cases:
        response = redeem(client, key, body, idem=f"v-{field}-{len(body)}")
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["message"]
    missing_key = client.post("/api/v1/redemptions", json={"card": number, "amount_cents": 1},
                              headers=headers(key))
    assert missing_key.status_code == 422 and "Idempotency-Key" in missing_key.get_json()["error"]["message"]
    assert client.get("/api/v1/redemptions?date=hier", headers=headers(key)).status_code == 422
    assert balance(app, till["card"]) == 10_000


def test_messages_follow_the_request_s_language(app, client, till):
    """?lang= or Accept-Language (a till has no session or account); French without either."""
    key = api_key(app, till["shop"])
    number = card_number(app, till["card"])
    english = {"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}

    def message(response):
        return response.get_json()["error"]["message"]

    bad_amount = {"card": number, "amount_cents": "12,50"}
    assert message(client.post("/api/v1/redemptions", json=bad_amount, headers=headers(key, "l1", **english))) == (
        "“amount_cents” must be a whole number of cents.")
    assert message(client.post("/api/v1/redemptions?lang=en", json={"amount_cents": 1}, headers=headers(key, "l2"))) == (
        "The “card” field is required.")
    assert message(client.post("/api/v1/redemptions", json=bad_amount, headers=headers(key, "l3"))) == (
        "« amount_cents » doit être un nombre entier de centimes.")  # ?lang= on the API is not remembered
    unknown = client.post("/api/v1/redemptions", json={"card": UNKNOWN_CARD, "amount_cents": 100},
                          headers=headers(key, "l4", **english))
    assert (unknown.status_code, message(unknown)) == (
        403, "Card refused: unknown number, missing or wrong PIN, or card not usable for now.")
    assert message(client.post("/api/v1/redemptions/999999/void", json={"reason": "x"},
                               headers=headers(key, "l5", **english))) == (
        "No card payment of this shop has this identifier.")
    assert message(client.get("/api/v1/redemptions?date=hier", headers=headers(key, **english))) == (
        "“date” must be a YYYY-MM-DD date.")
    assert message(client.get("/api/v1/redemptions?date=hier", headers=headers(key))) == (
        "« date » doit être une date AAAA-MM-JJ.")
    assert message(client.get("/api/v1/redemptions", headers={"Authorization": "Bearer nope", **english})) == (
        "API key missing, invalid or revoked.")
    assert message(client.get("/api/v1/redemptions", headers={"Authorization": "Bearer nope"})) == (
        "Clé d'API absente, invalide ou révoquée.")
    assert message(client.get("/api/v1/nowhere", headers=english)) == "Resource not found."
    assert message(client.get("/api/v1/nowhere")) == "Ressource introuvable."


def test_void_and_refund_through_the_api(app, client, till):
    key = api_key(app, till["shop"])
    number = card_number(app, till["card"])
    first = redeem(client, key, {"card": number, "amount_cents": 3000}, idem="a").get_json()
    second = redeem(client, key, {"card": number, "amount_cents": 2000}, idem="b").get_json()
    void = client.post(f"/api/v1/redemptions/{first['id']}/void", json={"reason": "erreur"},
                       headers=headers(key, "void-a"))
    assert void.status_code == 201 and void.get_json()["kind"] == "void"
    refund = client.post(f"/api/v1/redemptions/{second['id']}/refunds", json={"amount_cents": 500},
                         headers=headers(key, "refund-b"))
    assert refund.status_code == 201 and refund.get_json()["card_balance_cents"] == 8500
    too_much = client.post(f"/api/v1/redemptions/{second['id']}/refunds", json={"amount_cents": 5000},
                           headers=headers(key, "refund-b2"))
    assert too_much.status_code == 422
    assert balance(app, till["card"]) == 8500
    with app.app_context():
        assert verify(db.session) == []


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_a_void_without_a_reason_is_refused_and_voids_nothing(app, client, till, reason):
    """The schema's minLength 1: an empty or blank reason is a missing one, like at the till's form."""
    key = api_key(app, till["shop"])
    payment = redeem(client, key, {"card": card_number(app, till["card"]), "amount_cents": 1000}).get_json()
    response = client.post(f"/api/v1/redemptions/{payment['id']}/void", json={"reason": reason},
                           headers=headers(key, "void-blank"))
    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid_field", "field": "reason",
                                            "message": "Le champ « reason » est obligatoire."}
    listing = client.get("/api/v1/redemptions", headers=headers(key)).get_json()
    assert [line["voided"] for line in listing["redemptions"]] == [False]
    assert balance(app, till["card"]) == 9000


def test_a_void_s_reason_is_200_characters_at_most_as_the_schema_says(app, client, till):
    key = api_key(app, till["shop"])
    payment = redeem(client, key, {"card": card_number(app, till["card"]), "amount_cents": 1000}).get_json()
    void = f"/api/v1/redemptions/{payment['id']}/void"
    too_long = client.post(void, json={"reason": "x" * 201}, headers=headers(key, "void-long"))
    assert too_long.status_code == 422 and too_long.get_json()["error"]["field"] == "reason"
    assert balance(app, till["card"]) == 9000
    assert client.post(void, json={"reason": "x" * 200}, headers=headers(key, "void-200")).status_code == 201
    assert balance(app, till["card"]) == 10_000


@pytest.mark.parametrize("amount", [99_999_999_999, 100_000_001, 0, -5])
def test_an_amount_out_of_range_is_refused_with_the_range(app, client, till, amount):
    """Not "must be positive" for a too large amount: the message gives the bounds the schema publishes."""
    key = api_key(app, till["shop"])
    number = card_number(app, till["card"])
    payment = redeem(client, key, {"card": number, "amount_cents": 1000}).get_json()
    assert client.get("/api/v1/openapi.json").get_json()["paths"]["/redemptions"]["post"]["requestBody"][
        "content"]["application/json"]["schema"]["properties"]["amount_cents"]["maximum"] == 100_000_000
    for path in ("/api/v1/redemptions", f"/api/v1/redemptions/{payment['id']}/refunds"):
        body = {"card": number} if path.endswith("redemptions") else {}
        response = client.post(path, json={**body, "amount_cents": amount}, headers=headers(key, f"big-{path}"))
        assert response.status_code == 422
        assert response.get_json()["error"] == {
            "code": "invalid_field", "field": "amount_cents",
            "message": "« amount_cents » doit être compris entre 1 et 100000000."}
    assert balance(app, till["card"]) == 9000


def test_the_largest_amount_passes_validation(app, client, till):
    key = api_key(app, till["shop"])
    response = redeem(client, key, {"card": card_number(app, till["card"]), "amount_cents": 100_000_000})
    assert response.status_code == 402  # the card's balance refuses it, not the validation


def test_keys_act_only_for_their_shop(app, client, till):
    key = api_key(app, till["shop"])
    other_key = api_key(app, till["other_shop"])
    number = card_number(app, till["card"])
    payment = redeem(client, key, {"card": number, "amount_cents": 1000}).get_json()
    response = client.post(f"/api/v1/redemptions/{payment['id']}/void", json={"reason": "x"},
                           headers=headers(other_key, "steal"))
    assert response.status_code == 404
    assert client.get("/api/v1/redemptions", headers=headers(other_key)).get_json()["redemptions"] == []


def test_missing_or_revoked_key_is_refused(app, client, till):
    key = api_key(app, till["shop"])
    assert client.get("/api/v1/redemptions").status_code == 401
    with app.app_context():
        revoke_api_key(ApiKey.query.one())
    response = client.get("/api/v1/redemptions", headers=headers(key))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_lookups_are_rate_limited_per_shop(app, client, till):
    """One budget per shop, whatever key (a second key buys no more look-ups) or address is used;
    another shop keeps its own, and calls without a valid key do not spend it."""
    app.config["API_LOOKUP_RATE_LIMIT"] = "5 per minute"
    try:
        first, second = api_key(app, till["shop"]), api_key(app, till["shop"])
        other_shop = api_key(app, till["other_shop"])

        def lookup(key, address="10.0.0.1"):
            return client.get(f"/api/v1/cards/{UNKNOWN_CARD}/balance", headers=headers(key),
                              environ_base={"REMOTE_ADDR": address}).status_code

        unauthenticated = [lookup("halle_nope_wrong") for _ in range(6)]
        codes = [lookup(first), lookup(first), lookup(second, "10.0.0.2"), lookup(second), lookup(first, "10.0.0.3"),
                 lookup(second, "10.0.0.4"), lookup(first, "10.0.0.5")]
        others = [lookup(other_shop) for _ in range(5)]
    finally:
        app.config["API_LOOKUP_RATE_LIMIT"] = "120 per minute"
    assert unauthenticated == [401] * 6
    assert codes == [403] * 5 + [429, 429]
    assert others == [403] * 5


def test_tills_reuse_the_card_settings_for_a_few_seconds_but_see_the_admins_change_at_once(app, client, till):
    """Each web worker keeps the card settings CARD_SETTINGS_MAX_AGE seconds for its tills. A change
    the admin makes through this worker counts at once; one written by another worker (here, straight
    in the table) counts once the copy is that old."""
    import time

    from marketplace.models import TerritorySettings
    from marketplace.settings import update_card_settings

    with app.app_context():
        pin_card = card_number(app, new_funded_card(5000, pin="1234", key_suffix="pin"))
        admin = User.query.filter_by(email="owner@example.fr").one()
    key = api_key(app, till["shop"])
    app.config["CARD_SETTINGS_MAX_AGE"] = 1.0
    try:
        assert redeem(client, key, {"card": pin_card, "amount_cents": 100}, idem="a").status_code == 403
        with app.app_context():
            update_card_settings(card_prefix="9250", commission_bps=0, actor=admin, pin_required_above="10,00")
        assert redeem(client, key, {"card": pin_card, "amount_cents": 100}, idem="b").status_code == 201
        with app.app_context():  # another worker puts the PIN back on every payment
            db.session.execute(db.update(TerritorySettings).values(pin_required_above_cents=None))
            db.session.commit()
        assert redeem(client, key, {"card": pin_card, "amount_cents": 100}, idem="c").status_code == 201
        time.sleep(1.1)
        assert redeem(client, key, {"card": pin_card, "amount_cents": 100}, idem="d").status_code == 403
    finally:
        app.config["CARD_SETTINGS_MAX_AGE"] = 0
        app.extensions.pop("halle.card_settings_for_till", None)


def test_the_openapi_document_says_idempotency_keys_are_the_shop_s_and_refusals_are_one(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/redemptions"]["post"]
    [idempotency] = [p for p in post["parameters"] if p["name"] == "Idempotency-Key"]
    assert "Propre au commerce" in idempotency["description"]
    assert "card_or_pin_invalid" in post["responses"]["403"]["description"]
    assert "shop_pin_tries_exhausted" in post["responses"]["429"]["description"]
