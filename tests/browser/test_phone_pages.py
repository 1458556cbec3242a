"""Every page an attendee, a buyer, a speaker or the door opens fits a phone: at 320 and 390 px
nothing scrolls sideways and every control is at least 44 px tall; with the text at 200 % on a
320 px screen nothing scrolls sideways either. The data is the long kind people really have:
double-barrelled names, long addresses, a colleague's organisation in full.

200 % text is set as a phone's text-size setting sets it (Android's font scale reaches 200 %,
iOS Larger Text more): the root font size doubles and every size in the stylesheet, given in
rem/em, follows; the layout width stays 320 px. That is stricter than the browser's page zoom
at 200 % on a 640 px window, which lays the page out at 320 CSS px - the first check."""

import pytest
from playwright.sync_api import expect

from app.feedback.services import create_survey, request_feedback
from app.registration import services
from app.waitlist.services import join
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import add_workshop, publish_programme, register

SLUG = "varkonferensen-2027"
LONG_NAME = "Anna-Karin Johansson-Lindqvist Wallenberg"
LONG_EMAIL = "anna-karin.johansson-lindqvist@vastragotalandsregionen.example.se"
LONG_ORGANISATION = "Västra Götalandsregionens brukarråd för psykiatrisk öppenvård"
TEXT_200 = "html { font-size: 200% !important; }"

# What counts as a control, and the links that stand alone (a link inside a sentence is
# exempt, as WCAG's target-size rule exempts it).
CONTROLS = """() => {
  const visible = e => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
  const small = [];
  const inSentence = a => { const p = a.parentElement;
    return p && p.textContent.trim() !== a.textContent.trim()
      && !a.classList.contains('button'); };
  for (const e of document.querySelectorAll(
      'main button, main select, main textarea, main input, main a[href], main summary,'
      + ' header a, header button, footer a')) {
    if (!visible(e) || e.closest('.honeypot')) continue;
    let target = e;
    if (e.tagName === 'A' && inSentence(e)) continue;
    if (e.type === 'checkbox' || e.type === 'radio') {
      target = (e.labels && e.labels[0]) || e;   // the label is what a finger taps
    }
    if (e.type === 'hidden') continue;
    const h = target.getBoundingClientRect().height;
    if (h < 44) small.push(`${e.outerHTML.slice(0, 120)} (${Math.round(h)} px)`);
  }
  return small;
}"""


@pytest.fixture
def phone_pages(conference, make_user, mailbox, db):
    """The pages, with long names everywhere; each address opens without a login except the
    door's, which the door account opens."""
    event, ticket = conference["event"], conference["ticket"]
    workshop = add_workshop(event, title="Workshop om återhämtning och delaktighet i vården")
    publish_programme(event)
    alone = register(event, ticket, name=LONG_NAME, email=LONG_EMAIL,
                     organisation=LONG_ORGANISATION)
    order = services.place_order(event, "Eva-Lotta Chefsdotter Bergström", "eva@region.example",
                                 "sv", [
        (ticket, services.Attendee(name="Karl-Johan Ekström-Fredriksson",
                                   email="karl-johan.ekstrom-fredriksson@region.example")),
        (ticket, services.Attendee(name="Lo Berg", email="lo@region.example",
                                   organisation=LONG_ORGANISATION))])
    db.session.commit()
    colleague = order.registrations[0]
    alone.feedback_requested_at = alone.created_at
    conference["paid"].capacity = 0
    db.session.commit()
    entry = join(event, conference["paid"], LONG_NAME, "vantar." + LONG_EMAIL, "sv")
    db.session.commit()
    create_survey(event, "conference")
    request_feedback(event, "registered", confirm_early=True)
    db.session.commit()
    speaker = conference["speaker"]
    make_user("dorr@example.org", role="door", events=[event], name="Dora Door")
    return {
        "public": [
            "/", f"/e/{SLUG}/", f"/e/{SLUG}/register", f"/e/{SLUG}/register?t{ticket.id}=1",
            f"/e/{SLUG}/register?t{ticket.id}=3", f"/e/{SLUG}/programme",
            f"/e/{SLUG}/speakers", f"/e/{SLUG}/speakers/{speaker.id}",
            f"/e/{SLUG}/waiting-list?ticket={conference['paid'].id}", f"/e/{SLUG}/my-link",
            "/tillganglighet", "/login",
        ],
        "private": [
            f"/r/{alone.manage_token}", f"/r/{alone.manage_token}/edit",
            f"/r/{alone.manage_token}/transfer", f"/r/{alone.manage_token}/programme",
            f"/r/{alone.manage_token}/feedback", f"/o/{order.manage_token}",
            f"/o/{order.manage_token}/attendees/{colleague.id}/replace",
            f"/waiting-list/{entry.token}", f"/s/{speaker.token}",
        ],
        "door": [f"/checkin/{SLUG}", f"/checkin/{SLUG}/search?q=johansson",
                 f"/checkin/{SLUG}/missing", "/checkin/"],
        "workshop": workshop,
    }


def _problems(page, paths, width, text_200=False, axe=False):
    problems = []
    for path in paths:
        response = page.goto(path)
        if response.status != 200:
            problems.append(f"{path}: HTTP {response.status}")
            continue
        if text_200:
            page.add_style_tag(content=TEXT_200)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide = page.evaluate("""w => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w + 1)
                .map(e => e.tagName + '.' + e.className + ' '
                     + Math.round(e.getBoundingClientRect().right))
                .slice(0, 4)""", width)
            problems.append(f"{path}: {scroll} px wide at {width} px: {wide}")
        if not text_200:
            problems += [f"{path}: too small to tap: {s}" for s in page.evaluate(CONTROLS)]
        if axe:
            try:
                assert_accessible(page)
            except AssertionError as failed:
                problems.append(str(failed))
    return problems


@pytest.mark.parametrize("width,language", [(320, "sv"), (390, "sv"), (320, "en")])
def test_every_attendee_page_fits_a_phone(page, phone_pages, width, language):
    """At 390 px each page is also checked by axe-core; English runs longer words."""
    page.set_viewport_size({"width": width, "height": 740})
    page.goto(f"/language/{language}")
    axe = width == 390
    problems = _problems(page, phone_pages["public"] + phone_pages["private"], width, axe=axe)
    if language == "sv":  # the door pages, once signed in as door staff
        log_in(page, "dorr@example.org")
        problems += _problems(page, phone_pages["door"], width, axe=axe)
    assert not problems, "\n".join(problems)


def test_text_at_200_percent_still_fits_320_px(page, phone_pages):
    page.set_viewport_size({"width": 320, "height": 640})
    problems = _problems(page, phone_pages["public"] + phone_pages["private"], 320,
                         text_200=True)
    assert not problems, "\n".join(problems)
    # Still usable: the attendee's own page keeps its main action on screen and readable.
    page.goto(phone_pages["private"][0])
    page.add_style_tag(content=TEXT_200)
    badge = page.get_by_role("link", name="Ladda ner din namnbricka (PDF)")
    expect(badge).to_be_visible()
    assert badge.bounding_box()["width"] <= 320
