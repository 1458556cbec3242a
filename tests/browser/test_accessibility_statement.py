"""The accessibility statement in Chromium, on a 320 px phone and a desktop: every page's
footer links to it with a link big enough to tap, the statement passes axe-core and nothing
scrolls sideways; the administrator's form too."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in


def fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width,height", [(320, 640), (1280, 900)])
def test_the_footer_leads_to_the_statement(page, conference, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/e/varkonferensen-2027/")
    link = page.locator("footer").get_by_role("link", name="Tillgänglighetsredogörelse")
    expect(link).to_be_visible()
    assert link.bounding_box()["height"] >= 44
    link.click()
    expect(page).to_have_url("/tillganglighet")
    expect(page.locator("h1")).to_have_text("Tillgänglighetsredogörelse för Samla")
    expect(page.get_by_role("heading", name="Kontakta tillsynsmyndigheten")).to_be_visible()
    digg = page.get_by_role("link", name="Anmäl bristande tillgänglighet till Digg")
    expect(digg).to_have_attribute("href", "https://www.digg.se/tdosanmalan")
    assert_accessible(page)
    fits(page, width)

    page.get_by_role("link", name="In English").click()
    expect(page.locator("h1")).to_have_text("Accessibility statement for Samla")
    assert_accessible(page)
    fits(page, width)


@pytest.mark.parametrize("width,height", [(320, 640), (1280, 900)])
def test_the_administrator_edits_it(page, make_user, width, height):
    make_user("arrangor@example.org", role="admin")
    page.set_viewport_size({"width": width, "height": height})
    log_in(page)
    page.goto("/tillganglighet")
    page.get_by_role("link", name="Ändra redogörelsen").click()
    expect(page.locator("h1")).to_have_text("Ändra tillgänglighetsredogörelsen")
    assert_accessible(page)
    fits(page, width)
    page.get_by_label("Organisationen som ansvarar för webbplatsen").fill("RSMH")
    page.get_by_label("E-postadress för att meddela brister").fill("webb@rsmh.example")
    page.get_by_role("button", name="Spara redogörelsen").click()
    expect(page.locator("h1")).to_have_text("Tillgänglighetsredogörelse för Samla")
    expect(page.get_by_text("RSMH står bakom Samla")).to_be_visible()
    expect(page.get_by_role("link", name="webb@rsmh.example")).to_be_visible()
    assert_accessible(page)
    fits(page, width)
