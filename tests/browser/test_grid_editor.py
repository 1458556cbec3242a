"""An organiser moves items in the programme grid, with the keyboard and with the mouse."""

from datetime import UTC, datetime

from playwright.sync_api import expect

from app.programme.models import ProgrammeItem
from tests.browser.conftest import assert_accessible
from tests.factories import publish_programme

SLUG = "varkonferensen-2027"


def reload(db, item_id):
    db.session.rollback()
    return db.session.get(ProgrammeItem, item_id)


def test_organiser_moves_items_with_the_keyboard_and_the_mouse(
        page, attendee_who_starred_the_talk, conference, db, mailbox):
    page.goto(f"/manage/e/{SLUG}/programme")
    page.get_by_role("link", name="Schema").click()
    expect(page.get_by_role("heading", name="Schema")).to_be_visible()
    talk, lunch = conference["talk"], conference["lunch"]
    block = page.locator(f"#grid-item-{talk.id}")
    expect(block).to_have_attribute("aria-label", "Peer support i vården, 10:00–10:45, Stora salen")
    assert_accessible(page)

    # The keyboard: pick the talk up, half an hour later (six 5-minute steps), drop it.
    status = page.locator("[data-grid-status]")
    block.focus()
    page.keyboard.press("Enter")
    expect(status).to_contain_text("Peer support i vården")
    expect(block).to_contain_text("Flyttas")
    for _ in range(6):
        page.keyboard.press("ArrowDown")
    expect(status).to_contain_text("10:30–11:15, Stora salen")
    page.keyboard.press("Enter")
    expect(status).to_contain_text("är nu 10:30–11:15 i Stora salen")
    expect(block).to_be_focused()
    item = reload(db, talk.id)
    assert item.starts_at == datetime(2027, 3, 18, 9, 30, tzinfo=UTC)
    assert item.ends_at == datetime(2027, 3, 18, 10, 15, tzinfo=UTC)
    assert mailbox.messages == [], "a move is told when the programme is published"
    publish_programme(conference["event"])
    notices = mailbox.wait_for(2)
    assert {m["To"] for m in notices} == {"alva@example.org", "sara@talare.example"}
    notice = next(m for m in notices if m["To"] == "alva@example.org")
    assert "10:30" in mailbox.body(notice)
    assert_accessible(page)

    # The mouse: drag lunch across to Sal B at the same time.
    lunch_block = page.locator(f"#grid-item-{lunch.id}")
    lunch_block.scroll_into_view_if_needed()
    source = lunch_block.bounding_box()
    target = page.locator('.grid-col[data-room-name="Sal B"] .grid-room-name').bounding_box()
    x, y = source["x"] + source["width"] / 2, source["y"] + 10
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 20, y, steps=3)
    page.mouse.move(target["x"] + target["width"] / 2, y, steps=8)
    page.mouse.up()
    expect(status).to_contain_text("är nu 12:00–13:00 i Sal B")
    expect(page.locator('.grid-col[data-room-name="Sal B"]')).to_contain_text("Lunch")
    item = reload(db, lunch.id)
    assert item.room_id == conference["side"].id
    assert item.starts_at == datetime(2027, 3, 18, 11, 0, tzinfo=UTC)

    # After a reload the server draws both where they now are.
    page.reload()
    expect(page.locator('.grid-col[data-room-name="Sal B"]')).to_contain_text("Lunch")
    expect(block).to_have_attribute("aria-label", "Peer support i vården, 10:30–11:15, Stora salen")

    # Resize with the mouse: the talk's bottom edge dragged a quarter of an hour down.
    block.scroll_into_view_if_needed()
    box = block.bounding_box()
    hour = block.evaluate(
        "el => el.closest('.grid-slots').getBoundingClientRect().height") / 10  # 08:00-18:00
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 3
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, y + hour / 4, steps=5)
    page.mouse.up()
    expect(status).to_contain_text("är nu 10:30–11:30 i Stora salen")
    assert reload(db, talk.id).ends_at == datetime(2027, 3, 18, 10, 30, tzinfo=UTC)

    # A clash asks first: lunch dropped on the talk's room and time, then saved anyway.
    lunch_block.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowLeft")
    for _ in range(18):
        page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Stora salen används redan av ”Peer support i vården”")
    assert reload(db, lunch.id).room_id == conference["side"].id
    assert_accessible(page)
    page.get_by_role("button", name="Spara ändå").click()
    expect(status).to_contain_text("”Lunch” är nu 10:30–11:30 i Stora salen")
    item = reload(db, lunch.id)
    assert (item.room_id, item.starts_at) == (conference["hall"].id,
                                              datetime(2027, 3, 18, 9, 30, tzinfo=UTC))
