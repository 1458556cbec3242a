"""An organiser on the phone with an attendee, in Chromium: the attendee's page on a phone and
on a desktop, checked by axe-core, and its forms used as a person would (CSRF on)."""

from datetime import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.programme import signups
from app.programme.services import ItemPlacement, create_item
from app.registration import services
from app.registration.models import Registration
from app.tickets.models import TicketType
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import DAY, publish_programme

SLUG = "varkonferensen-2027"


@pytest.fixture
def colleague(conference, make_user, mailbox, db):
    """Åke, registered and invoiced by his employer, with needs, a workshop and mail sent."""
    event = conference["event"]
    workshop = create_item(event, title="Workshop om återhämtning", kind="workshop",
                           description="", signup=(True, 10),
                           placement=ItemPlacement(DAY, time(14, 0), time(15, 30),
                                                   conference["side"]))
    db.session.add(TicketType(event=event, name="Personal", price_ore=95000, capacity=5,
                              seats_taken=0, position=3))
    db.session.commit()
    publish_programme(event)
    order = services.place_order(
        event, "Eva Chef", "eva.chef@region.example", "sv",
        [(conference["paid"], services.Attendee(
            "Åke Anställd-Wennerström", "ake.anstalld-wennerstrom@region-orebro-lan.example",
            organisation="Region Örebro län", dietary_needs="Glutenfri",
            sensitive_consent=True))],
        payment_method="invoice",
        billing=services.Billing(name="Region Örebro län", address="Box 1613\n701 16 Örebro"))
    [ake] = order.registrations
    signups.sign_up(ake, workshop)
    db.session.commit()
    mailbox.wait_for(2)
    make_user("arrangor@example.org", role="admin")
    return ake


@pytest.mark.parametrize("width", [390, 1280])
def test_the_attendee_page_on_a_phone_and_a_desktop(page, colleague, db, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page)
    page.goto(f"/manage/e/{SLUG}/attendees")
    page.get_by_role("link", name="Åke Anställd-Wennerström").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Åke Anställd-Wennerström")
    main = page.locator("main")
    for shown in ("Region Örebro län", "Ordinarie", "Glutenfri", "Känsligt",
                  "Workshop om återhämtning", "Eva Chef", "950 kr", "Din anmälan"):
        expect(main).to_contain_text(shown)
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for button in page.locator("main button").all():
        assert button.bounding_box()["height"] >= 44, button.text_content()

    # The same price, another ticket type: the seat moves and the page says so.
    page.get_by_label("Biljettyp").select_option(label="Personal – 950 kr – 5 kvar")
    page.get_by_role("button", name="Byt biljettyp").click()
    expect(page.locator(".message-success")).to_contain_text("har nu biljetten Personal")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # A transfer without ticking the box is refused at the box, and nothing changes.
    page.get_by_label("Den nya deltagarens fullständiga namn").fill("Bo Berg")
    page.get_by_label("Den nya deltagarens e-post").fill("bo@region.example")
    page.get_by_role("button", name="Ge bort biljetten").click()
    expect(page.locator("#transfer-confirm-error")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Ja, avanmäl deltagaren").check()
    page.get_by_role("button", name="Avanmäl deltagaren").click()
    expect(page.locator(".message-success")).to_contain_text("är avanmäld")
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})  # the smallest phone Samla fits
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    db.session.rollback()  # see what the live server committed
    ake = db.session.scalar(select(Registration).where(Registration.id == colleague.id))
    assert (ake.status, ake.ticket_type.name, ake.email) == (
        "cancelled", "Personal", "ake.anstalld-wennerstrom@region-orebro-lan.example")
