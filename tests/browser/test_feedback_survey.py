"""The survey on a phone (320 px), answered with the keyboard alone: one step at a time, the
answers kept in the browser when the page is left and opened again from the link, sent once;
then the organiser reads the results (charts with their tables) on the same phone. axe-core
finds nothing on any page and nothing scrolls sideways."""

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.checkin.models import CheckIn
from app.feedback import answering
from app.feedback.models import SurveyResponse
from app.feedback.services import create_survey, items_for, request_feedback
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import register

SLUG = "varkonferensen-2027"


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def choose(page, group_name, presses):
    """Focus the first answer of a radio group, move with the arrow keys (which also chooses)."""
    group = page.get_by_role("group", name=re.compile(group_name))
    group.get_by_role("radio").first.focus()
    page.keyboard.press("Space")
    for _ in range(presses):
        page.keyboard.press("ArrowRight")


def test_answering_on_a_phone_with_the_keyboard_and_reading_the_results(
        page, conference, make_user, mailbox, db):
    page.set_viewport_size({"width": 320, "height": 640})
    event, talk = conference["event"], conference["talk"]
    survey = create_survey(event, "course")
    people = [register(event, conference["ticket"], name=f"Person {n}",
                       email=f"p{n}@example.org") for n in range(6)]
    for person in people:
        db.session.add(CheckIn(registration_id=person.id, event_id=event.id, list_key=""))
        db.session.add(CheckIn(registration_id=person.id, event_id=event.id,
                               list_key=f"item:{talk.id}"))
    db.session.commit()
    request_feedback(event, confirm_early=True)
    db.session.commit()
    alva = people[0]

    page.goto(f"/r/{alva.manage_token}/feedback")
    first = page.get_by_role("heading", name="Om hela evenemanget")
    session = page.get_by_role("heading", name="Om: Peer support i vården")
    expect(first).to_be_visible()
    expect(session).to_be_hidden()
    expect(page.get_by_text("Steg 1 av 2")).to_be_visible()
    fits(page)
    assert_accessible(page)

    choose(page, "Vad tyckte du om kursen som helhet", 3)  # 1 → 4
    expect(page.get_by_role("group", name=re.compile("som helhet"))
           .get_by_role("radio", name="4")).to_be_checked()
    choose(page, "Kursen gav mig det jag behövde", 4)
    page.get_by_label(re.compile("Vad var bra")).focus()
    page.keyboard.type("Mer tid med peer supportrarna, tack.")

    # Leaving and opening the link again: the answers are still there, on this device.
    page.goto(f"/r/{alva.manage_token}/feedback")
    expect(page.get_by_text("Vi har fyllt i de svar du gav tidigare")).to_be_attached()
    expect(page.get_by_role("group", name=re.compile("som helhet"))
           .get_by_role("radio", name="4")).to_be_checked()
    expect(page.get_by_label(re.compile("Vad var bra"))).to_have_value(
        "Mer tid med peer supportrarna, tack.")

    page.get_by_role("button", name="Nästa").focus()
    page.keyboard.press("Enter")
    expect(session).to_be_focused()
    expect(first).to_be_hidden()
    fits(page)
    assert_accessible(page)
    choose(page, "Vad tyckte du om passet", 4)
    page.get_by_role("button", name="Skicka mina svar").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack för ditt svar!")
    assert_accessible(page)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 2
    assert page.evaluate("Object.keys(localStorage).length") == 0

    # Five more answer; the organiser reads the results on the same phone.
    for person in people[1:]:
        layout = answering.steps(survey, items_for(person))
        assert answering.read_answers(layout, _Form({f"q{survey.questions[0].id}": "5"}))
        answering.submit(person, survey, layout)
    db.session.commit()
    make_user("arrangor@example.org", role="organiser", events=[event])
    log_in(page)
    page.goto(f"/manage/e/{SLUG}/feedback/results")
    expect(page.get_by_text("6 personer svarade.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Mer tid med peer supportrarna, tack.")
    page.get_by_text("Siffrorna som tabell").first.click()
    fits(page)
    assert_accessible(page)


class _Form(dict):
    def getlist(self, name):
        return [self[name]] if name in self else []
