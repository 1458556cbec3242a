"""The organiser writes to the attendees in Chromium, on a phone and on a desktop: the form,
the preview with the number of recipients per language, sending, and the message's page with
who got it. Every page passes axe-core and fits a 320 px screen."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.messages.models import Message
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import register

SLUG = "varkonferensen-2027"


@pytest.mark.parametrize("size", [{"width": 390, "height": 800}, {"width": 1280, "height": 900}])
def test_organiser_writes_previews_and_sends_a_message(page, conference, make_user, mailbox,
                                                       db, size):
    register(conference["event"], conference["ticket"], name="Åsa Öberg",
             email="asa@example.org")
    register(conference["event"], conference["ticket"], name="Bo Berg", email="bo@example.org",
             language="en")
    mailbox.wait_for(2)
    mailbox.clear()
    make_user("arrangor@example.org", role="admin", name="Olga Organiser")
    page.set_viewport_size(size)
    log_in(page)
    page.goto(f"/manage/e/{SLUG}/")
    page.get_by_role("link", name="Meddelanden till deltagarna").click()
    expect(page.get_by_role("heading", name="Meddelanden till deltagarna", level=1)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Nytt meddelande").click()
    page.get_by_label("Till").select_option(label="Biljettyp: Fri entré")
    page.get_by_label("Ämne på svenska").fill("Välkommen, {namn}")
    page.get_by_label("Text på svenska").fill("Hej {namn}!\n\nVi ses i Göteborg.")
    page.get_by_label("Ämne på engelska").fill("Welcome, {name}")
    page.get_by_label("Text på engelska").fill("Hello {name}!\n\nSee you.")
    assert_accessible(page)
    preview = page.get_by_role("button", name="Förhandsgranska meddelandet")
    assert preview.bounding_box()["height"] >= 44
    preview.click()

    expect(page.get_by_role("heading", name="Förhandsgranskning av meddelandet")).to_be_visible()
    expect(page.locator("#recipient-count")).to_have_text("2")
    expect(page.locator("#count-sv")).to_have_text("1")
    expect(page.locator("#count-en")).to_have_text("1")
    expect(page.locator(".message-sample").first).to_contain_text("Hej Åsa Öberg!")
    expect(page.locator(".message-sample").nth(1)).to_contain_text("Hello Bo Berg!")
    assert_accessible(page)

    # Back to change it: what was written is still there.
    page.get_by_role("button", name="Ändra meddelandet").click()
    expect(page.get_by_label("Text på svenska")).to_have_value("Hej {namn}!\n\nVi ses i Göteborg.")
    page.get_by_label("Text på svenska").fill("Hej {namn}!\n\nVi ses i Göteborg på torsdag.")
    page.get_by_role("button", name="Förhandsgranska meddelandet").click()
    expect(page.locator(".message-sample").first).to_contain_text("Vi ses i Göteborg på torsdag.")

    send = page.get_by_role("button", name="Skicka till 2 personer")
    assert send.bounding_box()["height"] >= 44
    # An impatient double click: the form's nonce makes it one message.
    send.dblclick()
    expect(page.get_by_text(re.compile(
        "Meddelandet är på väg till 2 personer.|Det skickades inte en gång till"))).to_be_visible()
    expect(page.get_by_role("heading", name="Välkommen, {namn}", level=1)).to_be_visible()
    rows = page.locator(".message-recipients tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Bo Berg")
    expect(rows.nth(1)).to_contain_text("Åsa Öberg")
    assert_accessible(page)
    message_url = page.url

    received = mailbox.wait_for(2)
    [asa] = [m for m in received if m["To"] == "asa@example.org"]
    assert asa["Subject"] == "Välkommen, Åsa Öberg"
    assert "Vi ses i Göteborg på torsdag." in mailbox.body(asa)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    page.wait_for_timeout(300)
    assert len(mailbox.messages) == 2

    page.set_viewport_size({"width": 320, "height": 640})
    for path in (f"/manage/e/{SLUG}/messages", f"/manage/e/{SLUG}/messages/new", message_url):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
