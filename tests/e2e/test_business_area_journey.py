"""Browser journey of the communes a business serves (issue 22): the demo's machining workshop
adds Vitteaux with the commune picker, by keyboard (type, Enter), on a desktop and on a phone; a
misspelt commune is named in the message; the public page lists the communes served; the chip
is removed by keyboard and the commune is gone. Axe-core on every page."""
from playwright.sync_api import expect

from tests.e2e.axe import audit
from tests.e2e.conftest import log_in, screenshot

SETTINGS = "Informations"


def test_a_business_picks_the_communes_it_serves(page):
    log_in(page, "atelier@demo.halle.fr")
    page.get_by_role("link", name=SETTINGS, exact=True).first.click()
    picker = page.get_by_label("Ajouter une commune (nom ou code postal)")
    expect(picker).to_be_visible()
    expect(page.locator("#area_communes")).to_be_hidden()  # the text field sent, under the chips
    audit(page)

    # A typo is named, and nothing is saved.
    picker.fill("Montbarr")
    picker.press("Enter")
    picker.fill("Vitteaux")
    picker.press("Enter")
    chips = page.locator(".commune-chips .chips li")
    expect(chips).to_have_count(2)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("« Montbarr » n'est pas une commune du territoire")).to_be_visible()
    screenshot(page, "business-communes-error")

    # Remove the typo by keyboard (its button, Enter), save.
    remove = page.get_by_role("button", name="Retirer Montbarr")
    remove.focus()
    remove.press("Enter")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Vitteaux")
    screenshot(page, "business-communes")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Informations enregistrées.")).to_be_visible()
    audit(page)
    page.goto("/commerces/usinage-precision-auxois")
    expect(page.get_by_test_id("shop-area")).to_contain_text("Vitteaux")
    audit(page)

    # And back: the chip shows the saved commune; removed, it is no longer served.
    page.go_back()
    page.get_by_role("button", name="Retirer Vitteaux (21350)").press("Enter")
    expect(chips).to_have_count(0)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Informations enregistrées.")).to_be_visible()
    audit(page)
    page.goto("/commerces/usinage-precision-auxois")
    expect(page.get_by_test_id("shop-area")).not_to_contain_text("Vitteaux")
    audit(page)
