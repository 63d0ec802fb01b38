from marketplace.formatting import distance_km, money


def test_money_is_shown_the_french_way(app):
    with app.test_request_context():
        assert money(1250) == "12,50\xa0€"
        assert money(123456) == "1\u202f234,56\xa0€"
        assert money(0) == "0,00\xa0€"
        assert money(None) == ""


def test_distances_are_rounded_to_the_kilometre(app):
    with app.test_request_context():
        assert distance_km(8.6) == "9 km"
        assert distance_km(0.3) == "< 1 km"
