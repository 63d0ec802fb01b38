"""The HR staff list: a page of 50 people at a time, and a search box to find one person."""
import re
from html import unescape

from marketplace.extensions import db
from marketplace.models import Employee


def _add_staff(app, employer_id: int, count: int, **fields) -> None:
    with app.app_context():
        db.session.add_all(Employee(employer_id=employer_id, external_id=f"S{n:03d}", last_name=f"Salarie{n:03d}",
                                    first_name="Jean", email=f"jean{n:03d}@laiterie.fr", **fields)
                           for n in range(count))
        db.session.commit()


def _rows(page: str) -> int:
    return page.count("/archiver")


def _links(page: str) -> dict[str, str]:
    """The pager's links: their text (Précédent, Suivant) and their address."""
    nav = re.search(r'<nav aria-label="Pages" class="pager">(.*?)</nav>', page, re.S)
    found = re.findall(r'<a href="([^"]+)">[^<]*?(Précédent|Suivant)', nav.group(1)) if nav else []
    return {text: unescape(href) for href, text in found}


def test_the_staff_list_shows_fifty_people_a_page_with_links_keeping_the_search(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    _add_staff(app, employer_id, 120)
    url = f"/entreprise/{employer_id}/salaries"
    first = hr_client.get(url).get_data(as_text=True)
    assert _rows(first) == 50 and "Page 1 sur 3" in first and "(123)" in first
    assert _links(first) == {"Suivant": f"{url}?page=2"}
    last = hr_client.get(url, query_string={"page": 3}).get_data(as_text=True)
    assert _rows(last) == 23 and "Salarie119" in last and set(_links(last)) == {"Précédent"}
    found = hr_client.get(url, query_string={"q": "salarie"}).get_data(as_text=True)
    assert _rows(found) == 50 and "Page 1 sur 3" in found and "(120)" in found
    assert _links(found) == {"Suivant": f"{url}?q=salarie&page=2"}
    second = hr_client.get(_links(found)["Suivant"]).get_data(as_text=True)
    assert "Salarie050" in second and "Salarie049" not in second and "Martin" not in second
    assert _links(second) == {"Précédent": f"{url}?q=salarie&page=1", "Suivant": f"{url}?q=salarie&page=3"}


def test_the_archived_list_is_paged_too(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    _add_staff(app, employer_id, 60, archived=True)
    url = f"/entreprise/{employer_id}/salaries"
    archived = hr_client.get(url, query_string={"archives": 1}).get_data(as_text=True)
    assert _rows(archived) == 50 and _links(archived) == {"Suivant": f"{url}?archives=1&page=2"}
    assert _rows(hr_client.get(url).get_data(as_text=True)) == 3


def test_hr_finds_one_person_by_name_email_or_staff_number_whatever_the_case(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    with app.app_context():
        db.session.add(Employee(employer_id=employer_id, external_id="M-0042", last_name="Émery", first_name="Inès",
                                email="ines.emery@laiterie.fr"))
        db.session.commit()
    url = f"/entreprise/{employer_id}/salaries"
    for typed in ("ÉMERY", "inès émery", "Emery Inès", "m-0042", "INES.EMERY@"):
        page = hr_client.get(url, query_string={"q": typed}).get_data(as_text=True)
        assert _rows(page) == 1 and ">Émery</td>" in page, typed
    # On a phone each person is a card: the staff number and the children counts say what they are.
    assert 'data-label="Matricule">M-0042</td>' in page
    assert 'data-label="Enfants de moins de 16 ans / de moins de 26 ans">0 / 0</td>' in page
    assert _rows(hr_client.get(url, query_string={"q": "claire@EXAMPLE.fr"}).get_data(as_text=True)) == 1
    assert _rows(hr_client.get(url, query_string={"q": "%"}).get_data(as_text=True)) == 0  # no wildcard
    nobody = hr_client.get(url, query_string={"q": "Dupont"}).get_data(as_text=True)
    assert "Aucun salarié ne correspond à « Dupont »." in nobody and "Importez la liste" not in nobody


def test_hr_finds_a_person_typing_without_accents(app, hr_client, hr_world):
    """On a phone, people type « helene » for Hélène, « coeur » for Lecœur."""
    employer_id = hr_world["employer_id"]
    with app.app_context():
        db.session.add_all([
            Employee(employer_id=employer_id, external_id="H1", last_name="Martin", first_name="Hélène"),
            Employee(employer_id=employer_id, external_id="H2", last_name="Lecœur", first_name="Zoé")])
        db.session.commit()
    url = f"/entreprise/{employer_id}/salaries"
    for typed, found in (("helene", "Hélène"), ("HELENE martin", "Hélène"), ("Hélène", "Hélène"), ("heLÈNE", "Hélène"),
                         ("zoe lecoeur", "Lecœur"), ("LECŒUR", "Lecœur")):
        page = hr_client.get(url, query_string={"q": typed}).get_data(as_text=True)
        assert _rows(page) == 1 and found in page, typed
    assert _rows(hr_client.get(url, query_string={"q": "helena"}).get_data(as_text=True)) == 0


def test_archiving_from_a_searched_page_comes_back_to_it(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    _add_staff(app, employer_id, 60)
    url = f"/entreprise/{employer_id}/salaries"
    page = hr_client.get(url, query_string={"q": "salarie", "page": 2}).get_data(as_text=True)
    action = unescape(re.search(r'action="([^"]+/archiver[^"]*)"', page).group(1))
    assert action.endswith("/archiver?q=salarie&page=2")
    response = hr_client.post(action)
    assert response.headers["Location"] == f"{url}?q=salarie&page=2"
