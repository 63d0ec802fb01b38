"""An issued campaign's page: its totals over every recipient, its recipients 50 a page with a
search box, and the revoke button bringing HR back to the page they were on."""
import re
from html import unescape

from tests.employer.test_campaigns import create, funded_by_transfer
from tests.employer.test_staff_list import _add_staff, _links


def _revoke_buttons(page: str) -> int:
    return page.count("/retirer")


def _issued_campaign(app, hr_client, hr_world, staff_count: int) -> str:
    employer_id = hr_world["employer_id"]
    _add_staff(app, employer_id, staff_count)
    campaign_id = create(hr_client, employer_id, amount="10", child_amount="")
    funded_by_transfer(app, hr_client, employer_id, campaign_id)
    hr_client.post(f"/entreprise/{employer_id}/campagnes/{campaign_id}/emettre")
    return f"/entreprise/{employer_id}/campagnes/{campaign_id}/"


def test_the_recipients_are_paged_and_the_totals_count_them_all(app, hr_client, hr_world):
    url = _issued_campaign(app, hr_client, hr_world, 57)  # and the company's 3
    first = hr_client.get(url).get_data(as_text=True)
    assert _revoke_buttons(first) == 50 and "Page 1 sur 2" in first
    assert _links(first) == {"Suivant": f"{url}?page=2#beneficiaires"}
    second = hr_client.get(_links(first)["Suivant"]).get_data(as_text=True)
    assert _revoke_buttons(second) == 10 and _links(second) == {"Précédent": f"{url}?page=1#beneficiaires"}
    for page in (first, second):  # the summary is the whole campaign's, on every page
        assert re.search(r"<dd>60</dd>", page) and "<strong>600,00\xa0€</strong> émis" in page
        assert re.search(r'data-testid="remaining">600,00\xa0€', page)


def test_hr_finds_one_recipient_and_revokes_from_the_page_they_were_on(app, hr_client, hr_world):
    url = _issued_campaign(app, hr_client, hr_world, 57)
    found = hr_client.get(url, query_string={"q": "SALARIE042"}).get_data(as_text=True)
    assert _revoke_buttons(found) == 1 and "Salarie042 Jean" in found and "<dd>60</dd>" in found
    nobody = hr_client.get(url, query_string={"q": "Dupont"}).get_data(as_text=True)
    assert "Aucun salarié ne correspond à « Dupont »." in nobody and _revoke_buttons(nobody) == 0
    page = hr_client.get(url, query_string={"q": "jean", "page": 2}).get_data(as_text=True)
    assert _revoke_buttons(page) == 7
    action = unescape(re.search(r'action="([^"]+/retirer[^"]*)"', page).group(1))
    assert action.endswith("/retirer?q=jean&page=2")
    response = hr_client.post(action)
    assert response.headers["Location"] == f"{url}?q=jean&page=2#beneficiaires"
    after = hr_client.get(url, query_string={"q": "jean", "page": 2}).get_data(as_text=True)
    assert _revoke_buttons(after) == 6 and ">retiré<" in after
    assert re.search(r'data-testid="remaining">590,00\xa0€', after)
