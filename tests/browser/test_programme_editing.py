"""An organiser edits the programme in Chromium; publishing a move tells the people affected."""

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

SLUG = "varkonferensen-2027"


def test_organiser_adds_an_item_with_a_speaker_and_moves_another(
        page, attendee_who_starred_the_talk, conference, mailbox):
    page.goto(f"/manage/e/{SLUG}/")
    assert_accessible(page)
    page.get_by_role("link", name="Programmet", exact=True).click()
    assert_accessible(page)

    page.get_by_role("link", name="Ny programpunkt").click()
    assert_accessible(page)
    page.get_by_label("Titel", exact=True).fill("Brukarens röst")
    page.get_by_label("Typ", exact=True).select_option("talk")
    page.get_by_label("Börjar").fill("14:00")
    page.get_by_label("Slutar").fill("14:45")
    page.get_by_label("Sal", exact=True).select_option(label="Sal B")
    new_speaker = page.get_by_role("group", name="Lägg till en ny talare")
    new_speaker.get_by_label("Namn", exact=True).fill("Ahmed Yusuf")
    new_speaker.get_by_label("E-post").fill("ahmed@talare.example")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.get_by_role("link", name="Brukarens röst")).to_be_visible()
    [invitation] = mailbox.wait_for(1)
    assert invitation["To"] == "ahmed@talare.example"

    # Move the talk half an hour later and publish: the attendee who starred it and its
    # speaker are told, after the organiser has seen who will be and what they will read; the
    # new item's speaker hears of it too (the programme was published before).
    page.get_by_role("link", name="Peer support i vården").click()
    page.get_by_label("Börjar").fill("10:30")
    page.get_by_label("Slutar").fill("11:15")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.locator("#publication-status")).to_contain_text("Opublicerade ändringar: 2")
    # Until it is published the public programme stays as it was.
    page.goto(f"/e/{SLUG}/programme")
    expect(page.locator("main")).to_contain_text("10:00")
    expect(page.locator("main")).not_to_contain_text("Brukarens röst")
    page.goto(f"/manage/e/{SLUG}/programme")
    page.get_by_role("link", name="Förhandsgranska och publicera").click()
    expect(page.locator("main")).to_contain_text("Alva Persson")
    assert_accessible(page)
    page.get_by_role("button", name="Publicera version 2").click()
    expect(page.locator(".message-success")).to_contain_text("Version 2 är publicerad")
    messages = mailbox.wait_for(4)
    recipients = {m["To"] for m in messages[1:]}
    assert recipients == {"alva@example.org", "sara@talare.example", "ahmed@talare.example"}
    notice = next(m for m in messages if m["To"] == "alva@example.org")
    body = mailbox.body(notice)
    assert "10:00" in body and "10:30" in body

    page.goto(f"/e/{SLUG}/programme")
    expect(page.locator("main")).to_contain_text("10:30")
    expect(page.locator("main")).to_contain_text("Brukarens röst")
    expect(page.locator("main")).not_to_contain_text("Ahmed Yusuf")  # he has not said yes

    # Ahmed follows his invitation and says yes: the programme names him at once.
    page.goto(mailbox.link(invitation, "/s/"))
    page.get_by_role("button", name="Tacka ja").click()
    expect(page.locator("h1")).to_have_text("Du talar på Vårkonferensen")
    page.goto(f"/e/{SLUG}/programme")
    expect(page.locator("main")).to_contain_text("Ahmed Yusuf")
    assert_accessible(page)
