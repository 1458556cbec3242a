"""A speaker opens the link in their invitation on a 320 px phone, reads what they need and
says yes, in Chromium: axe-core finds nothing, nothing scrolls sideways, every button and link
they use is at least 44 px tall, and saying yes gives them their ticket."""

import pytest
from playwright.sync_api import expect

from app.events.models import Event
from app.speakers.services import add_speaker, assign
from app.tickets.models import TicketType
from tests.browser.conftest import assert_accessible
from tests.factories import publish_programme

WIDTH = 320


@pytest.fixture
def invited_speaker(conference, mailbox, db):
    """Maria, with a long name and address, invited to the talk with Sara; the event gives
    speakers a free ticket and says how to get there."""
    event = db.session.get(Event, conference["event"].id)
    event.venue_address = "Järntorget 3\n413 04 Göteborg"
    event.arrival_info = ("Spårvagn 1, 3, 6, 9 eller 11 till Järntorget. Entrén med ramp "
                          "ligger på baksidan, mot Olof Palmes plats.")
    event.contact_email = "konferensen@nationell-samverkan-psykisk-halsa.example"
    conference["talk"].description = "Hur peer support fungerar i vården, med exempel."
    db.session.add(TicketType(event=event, name="Talare", price_ore=0, vat_percent=0,
                              visibility="code", access_code="TALARE2027", for_speakers=True,
                              position=2))
    maria = add_speaker(event, name="Maria Andersson-Wennerström", role_title="Doktorand",
                        organisation="Göteborgs universitet",
                        email="maria.andersson-wennerstrom@forskning.gu.example")
    db.session.flush()
    assign(conference["talk"], [maria], invite=False)
    db.session.commit()
    publish_programme(event)
    return maria


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_the_speakers_page_on_a_phone(page, invited_speaker, mailbox):
    page.set_viewport_size({"width": WIDTH, "height": 640})
    page.goto(f"/s/{invited_speaker.token}")
    expect(page.locator("h1")).to_have_text("Du är inbjuden att tala på Vårkonferensen")
    expect(page.get_by_text("Järntorget 3")).to_be_visible()
    expect(page.get_by_text("Tillsammans med dig: Sara Nilsson")).to_be_visible()
    assert_accessible(page)
    fits(page)
    accept = page.get_by_role("button", name="Tacka ja")
    assert accept.bounding_box()["height"] >= 44
    assert page.get_by_role("button", name="Tacka nej").bounding_box()["height"] >= 44

    accept.click()
    expect(page.locator("h1")).to_have_text("Du talar på Vårkonferensen")
    expect(page.get_by_text("Du är anmäld med biljetten Talare.")).to_be_visible()
    assert_accessible(page)
    fits(page)
    for name in ("Din anmälan", "Din namnbricka (PDF)"):
        assert page.get_by_role("link", name=name).bounding_box()["height"] >= 44
    mail = page.get_by_role("link", name="konferensen@nationell-samverkan-psykisk-halsa.example")
    assert mail.bounding_box()["x"] + mail.bounding_box()["width"] <= WIDTH
    [confirmation] = mailbox.wait_for(1)
    assert confirmation["To"] == invited_speaker.email
