"""The door when the venue's network drops (issue 10, point 7), in Chromium: two doors, a
prepared door that keeps deciding offline and sends its queue when the network is back, the
page reloading from the service worker, a handheld scanner typing fast, and everything the door
kept deleted on logout and with "Glöm dörren". Also on PostgreSQL (TEST_DATABASE_URL): the live
server uses the same database as the test."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, insert, select

from app.checkin.models import CheckIn, CheckInConflict, ScanRecord
from app.extensions import db
from app.registration.models import Registration
from app.tokens import badge_token, link_token
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import register

SLUG = "varkonferensen-2027"
DOOR = f"/checkin/{SLUG}"
CODE_FIELD = "Skanna namnbrickan eller skriv in koden"
PREPARE = "Förbered dörren för att fungera utan nätverk"
FORGET = "Glöm dörren"
PHONE = {"width": 390, "height": 844}


def live_check_ins() -> int:
    db.session.rollback()  # see what the live server committed
    return db.session.scalar(select(func.count()).select_from(CheckIn)
                             .where(CheckIn.annulled_at.is_(None)))


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def open_door(context, email):
    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, email)
    page.goto(DOOR)
    expect(page.locator("[data-door-offline]")).to_have_attribute("data-offline-ready", "1")
    return page


def prepare(page, badges):
    page.get_by_role("button", name=PREPARE).click()
    expect(page.locator("[data-offline-state]")).to_contain_text(
        f"{badges} namnbrick" if badges < 1000 else "namnbrickor")
    expect(page.locator("[data-offline-state]")).to_contain_text("Klart")
    # The service worker controls the page from now on.
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def scan(page, code):
    page.get_by_label(CODE_FIELD).fill(code)
    page.get_by_label(CODE_FIELD).press("Enter")


def stored(page) -> dict:
    """What the door keeps on this device: databases, caches and service workers."""
    return page.evaluate("""async () => ({
        databases: (await indexedDB.databases()).map(d => d.name),
        caches: await caches.keys(),
        workers: (await navigator.serviceWorker.getRegistrations()).length})""")


@pytest.fixture
def two_doors(conference, make_user):
    make_user("norr@example.org", role="door", events=[conference["event"]], name="Norra dörren")
    make_user("syd@example.org", role="door", events=[conference["event"]], name="Södra dörren")
    return conference


@pytest.mark.doors_at_once
def test_two_doors_online_scanning_one_badge_at_once_make_one_check_in(two_doors, new_context,
                                                                       mailbox):
    attendee = register(two_doors["event"], two_doors["ticket"])
    north = open_door(new_context(), "norr@example.org")
    south = open_door(new_context(), "syd@example.org")
    for page in (north, south):
        page.get_by_label(CODE_FIELD).fill(attendee.badge_token)
    # Both forms are sent before either answer comes back.
    submit = "document.querySelector('[data-scan-form]').requestSubmit()"
    north.evaluate(submit)
    south.evaluate(submit)
    answers = [page.get_by_role("alert") for page in (north, south)]
    for answer in answers:
        expect(answer).to_contain_text("Alva Persson")
    statuses = sorted(answer.locator(".scan-status").inner_text() for answer in answers)
    assert statuses == ["⚠ Redan incheckad", "✔ Incheckad"]
    assert live_check_ins() == 1


@pytest.mark.doors_at_once
def test_two_offline_doors_admit_one_badge_then_the_server_keeps_one_check_in_and_a_conflict(
        two_doors, new_context, organiser, mailbox):
    attendee = register(two_doors["event"], two_doors["ticket"])
    contexts = [new_context(), new_context()]
    doors = [open_door(contexts[0], "norr@example.org"), open_door(contexts[1], "syd@example.org")]
    for page in doors:
        prepare(page, 1)
        expect(page.locator("[data-offline-state]")).to_contain_text("1 namnbricka är sparad")
    for context in contexts:
        context.set_offline(True)
    for page in doors:
        scan(page, attendee.badge_token)
        answer = page.get_by_role("alert")
        expect(answer).to_contain_text("Alva Persson")
        expect(answer).to_contain_text("✔ Incheckad")
        expect(answer).to_contain_text("utan nätverk")
        expect(page.locator(".progress")).to_have_text("Incheckade: 1 av 1")
        banner = page.get_by_role("status").filter(has_text=re.compile(r"^Utan nätverk"))
        expect(banner).to_have_text(
            re.compile(r"^Utan nätverk – 1 skanning i kö – senast uppdaterad \d\d:\d\d$"))
        # The same badge again on the same door: it knows it let her in.
        scan(page, attendee.badge_token)
        expect(answer).to_contain_text("Redan incheckad")
        expect(answer).to_contain_text("Incheckad på den här enheten")
    assert live_check_ins() == 0

    for context in contexts:
        context.set_offline(False)
    for page in doors:
        expect(page.locator("[data-offline-banner]")).to_have_text("", timeout=20_000)
    assert live_check_ins() == 1
    assert count(ScanRecord) == 4 and count(CheckInConflict) == 1  # each door scanned twice
    conflicts = organiser.get(f"/manage/e/{SLUG}/check-in-conflicts")
    assert conflicts.status_code == 200
    assert "Alva Persson" in conflicts.get_data(as_text=True)


def many_registrations(conference, count) -> list[str]:
    """`count` confirmed registrations written at once, as bench/door_scan.py does."""
    tokens = [badge_token() for _ in range(count)]
    db.session.execute(insert(Registration), [
        dict(event_id=conference["event"].id, ticket_type_id=conference["ticket"].id,
             name=f"Deltagare {i}", email=f"d{i}@example.org", language="sv",
             manage_token=link_token(), badge_token=token)
        for i, token in enumerate(tokens)])
    db.session.commit()
    return tokens


SEED_QUEUE = """([event, codes, at]) => samlaDoorStore.enqueue(codes.map((code, i) => ({
    nonce: "seed-" + i, code, device_time: at, event, door: event + "\\n", list: "",
    offline_outcome: "checked_in", badge_sha256: null})))"""


@pytest.mark.doors_at_once
def test_a_thousand_queued_scans_sent_twice_make_a_thousand_check_ins(conference, make_user,
                                                                      page):
    tokens = many_registrations(conference, 1000)
    make_user("norr@example.org", role="door", events=[conference["event"]])
    page.set_viewport_size(PHONE)
    log_in(page, "norr@example.org")
    page.goto(DOOR)
    prepare(page, 1000)
    page.context.set_offline(True)
    at = datetime.now().astimezone().isoformat()
    page.evaluate(SEED_QUEUE, [SLUG, tokens, at])
    page.reload()  # from the service worker
    banner = page.get_by_role("status").filter(has_text=re.compile(r"^Utan nätverk"))
    expect(banner).to_contain_text("1 000 skanningar i kö")

    # The first batch reaches the server but its answer is lost on the way back.
    lost = []

    def lose_first_answer(route):
        route.fetch()
        if not lost:
            lost.append(route.request.post_data_json["scans"][0]["nonce"])
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/upload.json", lose_first_answer)
    uploads = []
    page.on("response", lambda r: r.url.endswith("/upload.json") and uploads.append(r))
    page.context.set_offline(False)
    # Generous: this checks what arrives, not how fast (make test runs two suites at once).
    expect(page.locator("[data-offline-banner]")).to_have_text("", timeout=120_000)
    assert lost == ["seed-0"]
    assert live_check_ins() == 1000
    assert count(ScanRecord) == 1000 and count(CheckInConflict) == 0

    # The whole queue once more (a door that lost every answer): the same answers, nothing new.
    first = {r["nonce"]: r for u in uploads for r in u.json()["results"]}
    uploads.clear()
    page.evaluate(SEED_QUEUE, [SLUG, tokens, at])
    page.evaluate("samlaDoorOffline.upload()")
    expect(page.locator("[data-offline-banner]")).to_have_text("", timeout=120_000)
    again = {r["nonce"]: r for u in uploads for r in u.json()["results"]}
    assert len(again) == 1000 and again == first
    assert {r["outcome"] for r in again.values()} == {"checked_in"}
    assert live_check_ins() == 1000
    assert count(ScanRecord) == 1000 and count(CheckInConflict) == 0


def test_the_prepared_door_reloads_offline_and_keeps_deciding(conference, make_user, page,
                                                            mailbox):
    from app.checkin import devices

    alva = register(conference["event"], conference["ticket"])
    bo = register(conference["event"], conference["ticket"], name="Bo Berg",
                  email="bo@example.org")
    organiser = make_user("arrangor@example.org", role="admin")
    now = datetime.now().astimezone()
    _device, token = devices.create(conference["event"], "Entré norr", now - timedelta(hours=1),
                                    now + timedelta(days=1), organiser)
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"/door/{token}")
    expect(page).to_have_url(re.compile(DOOR + r"$"))
    expect(page.locator("[data-door-offline]")).to_have_attribute("data-offline-ready", "1")
    prepare(page, 2)
    scan(page, alva.badge_token)  # online: the server answers, the door remembers
    expect(page.get_by_role("alert")).to_contain_text("✔ Incheckad")

    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Incheckning"))).to_be_visible()
    expect(page.locator("[data-door-offline]")).to_have_attribute("data-offline-ready", "1")
    scan(page, alva.badge_token)
    expect(page.get_by_role("alert")).to_contain_text("Redan incheckad")
    scan(page, bo.badge_token.lower()[:13] + "-" + bo.badge_token.lower()[13:])
    expect(page.get_by_role("alert")).to_contain_text("Bo Berg")
    expect(page.get_by_role("alert")).to_contain_text("✔ Incheckad")
    scan(page, "Z" * 26)
    expect(page.get_by_role("alert")).to_contain_text("Okänd kod")
    # The camera reads a QR code that is no badge: long, with a control character.
    page.evaluate("""code => { const field = document.getElementById('code');
        field.value = code; field.form.requestSubmit(); }""",
                  "https://example.org/" + "x" * 300 + "\x1d")
    expect(page.get_by_role("alert")).to_contain_text("Ingen giltig kod")
    expect(page.locator("[data-offline-banner]")).to_contain_text("4 skanningar i kö")

    # The device's own link, opened without network, leads to the prepared door.
    page.goto(f"/door/{token}")
    expect(page).to_have_url(re.compile(DOOR + r"$"))
    expect(page.locator("[data-offline-banner]")).to_contain_text("4 skanningar i kö")

    page.context.set_offline(False)
    expect(page.locator("[data-offline-banner]")).to_have_text("", timeout=20_000)
    assert live_check_ins() == 2
    assert count(ScanRecord) == 5  # one online, four queued: every scan is recorded


def test_a_handheld_scanner_typing_fast_checks_in_once(conference, make_user, page, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    make_user("norr@example.org", role="door", events=[conference["event"]])
    log_in(page, "norr@example.org")
    page.goto(DOOR)
    scans = []
    page.on("request", lambda r: r.url.endswith("/scan.json") and scans.append(r))
    expect(page.get_by_label(CODE_FIELD)).to_be_focused()
    page.keyboard.type(attendee.badge_token, delay=5)
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("✔ Incheckad")
    expect(page.get_by_label(CODE_FIELD)).to_have_value("")
    assert len(scans) == 1
    assert live_check_ins() == 1


@pytest.mark.parametrize("viewport", [PHONE, {"width": 320, "height": 640},
                                      {"width": 1280, "height": 800}],
                         ids=["phone", "narrow", "desk"])
def test_the_offline_door_fits_every_screen_and_is_accessible(conference, make_user, page,
                                                            mailbox, viewport):
    attendee = register(conference["event"], conference["ticket"])
    make_user("norr@example.org", role="door", events=[conference["event"]])
    page.set_viewport_size(viewport)
    log_in(page, "norr@example.org")
    page.goto(DOOR)
    expect(page.get_by_text("Inte förberedd")).to_be_visible()
    assert_accessible(page)
    prepare(page, 1)
    page.context.set_offline(True)
    scan(page, attendee.badge_token)
    expect(page.get_by_role("alert")).to_contain_text("✔ Incheckad")
    expect(page.locator("[data-offline-banner]")).to_contain_text("Utan nätverk – 1 skanning i kö")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    for target in page.locator("main button:visible, main input:visible").all():
        box = target.bounding_box()
        if box and target.get_attribute("type") != "checkbox":
            assert box["height"] >= 44, target.evaluate("e => e.outerHTML")
    assert_accessible(page)


def test_logging_out_deletes_what_the_door_kept(conference, make_user, page, mailbox):
    register(conference["event"], conference["ticket"])
    make_user("norr@example.org", role="door", events=[conference["event"]])
    log_in(page, "norr@example.org")
    page.goto(DOOR)
    prepare(page, 1)
    kept = stored(page)
    assert "samla-door" in kept["databases"] and kept["caches"] == [f"samla-door-{SLUG}"]
    assert kept["workers"] == 1
    with page.expect_response(lambda r: r.url.endswith("/logout")) as logout:
        page.get_by_role("button", name="Logga ut").click()
    assert logout.value.all_headers().get("clear-site-data") == '"storage"'
    page.wait_for_load_state()
    assert stored(page) == {"databases": [], "caches": [], "workers": 0}


def test_forget_this_door_deletes_what_it_kept(conference, make_user, page, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    make_user("norr@example.org", role="door", events=[conference["event"]])
    log_in(page, "norr@example.org")
    page.goto(DOOR)
    prepare(page, 1)
    page.context.set_offline(True)
    scan(page, attendee.badge_token)
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 skanning i kö")
    # A scan not sent yet: the door asks first, and a "no" keeps everything.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name=FORGET).click()
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 skanning i kö")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=FORGET).click()
    expect(page.locator("[data-offline-state]")).to_contain_text("Ingenting från dörren")
    expect(page.get_by_role("button", name=FORGET)).to_be_hidden()
    assert stored(page) == {"databases": [], "caches": [], "workers": 0}


def test_a_revoked_device_deletes_what_it_kept_at_its_next_upload(conference, make_user, page,
                                                                 mailbox):
    from app.checkin import devices

    attendee = register(conference["event"], conference["ticket"])
    organiser = make_user("arrangor@example.org", role="admin")
    now = datetime.now().astimezone()
    device, token = devices.create(conference["event"], "Entré norr", now - timedelta(hours=1),
                                   now + timedelta(days=1), organiser)
    db.session.commit()
    page.goto(f"/door/{token}")
    expect(page.locator("[data-door-offline]")).to_have_attribute("data-offline-ready", "1")
    prepare(page, 1)
    page.context.set_offline(True)
    scan(page, attendee.badge_token)
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 skanning i kö")
    devices.revoke(db.session.get(devices.DoorDevice, device.id))  # the phone was lost
    db.session.commit()
    page.context.set_offline(False)
    expect(page.locator("[data-offline-state]")).to_contain_text(
        "får inte längre checka in här", timeout=20_000)
    expect(page.locator("[data-offline-banner]")).to_have_text("")
    assert stored(page) == {"databases": [], "caches": [], "workers": 0}
    assert live_check_ins() == 0


def test_after_the_event_the_door_deletes_what_it_kept(conference, make_user, page, mailbox):
    register(conference["event"], conference["ticket"])
    make_user("norr@example.org", role="door", events=[conference["event"]])
    log_in(page, "norr@example.org")
    page.goto(DOOR)
    prepare(page, 1)
    wipe_after = page.evaluate("samlaDoorStore.allDoors().then(doors => doors[0].wipe_after)")
    assert datetime.fromisoformat(wipe_after) > datetime.now().astimezone()
    # The phone is opened again a month after the event, without network.
    page.context.set_offline(True)
    page.clock.install(time=datetime.fromisoformat(wipe_after) + timedelta(days=30))
    page.reload()
    expect(page.locator("[data-offline-state]")).to_contain_text("Inte förberedd")
    expect(page.get_by_role("button", name=FORGET)).to_be_hidden()
    assert stored(page) == {"databases": [], "caches": [], "workers": 0}


def test_a_door_device_forgets_the_door_and_its_session(conference, make_user, page, mailbox):
    from app.checkin import devices

    attendee = register(conference["event"], conference["ticket"])
    organiser = make_user("arrangor@example.org", role="admin")
    now = datetime.now().astimezone()
    _device, token = devices.create(conference["event"], "Entré norr", now - timedelta(hours=1),
                                    now + timedelta(days=1), organiser)
    db.session.commit()
    page.goto(f"/door/{token}")
    prepare(page, 1)
    page.context.set_offline(True)
    scan(page, attendee.badge_token)
    # Queued first (else the empty banner below could be the one from before the scan).
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 skanning i kö")
    page.context.set_offline(False)
    expect(page.locator("[data-offline-banner]")).to_have_text("", timeout=20_000)
    with page.expect_response(lambda r: r.url.endswith("/door/leave")) as left:
        page.get_by_role("button", name=FORGET).click()
    assert left.value.all_headers().get("clear-site-data") == '"storage"'
    expect(page.get_by_text("Telefonen är inte längre en dörr")).to_be_visible()
    assert stored(page) == {"databases": [], "caches": [], "workers": 0}
    page.goto(DOOR)
    expect(page).to_have_url(re.compile("/login"))
    assert live_check_ins() == 1


def test_a_door_account_logged_out_elsewhere_deletes_what_it_kept(conference, make_user, page,
                                                                 mailbox):
    from app.accounts.services import end_sessions

    attendee = register(conference["event"], conference["ticket"])
    door = make_user("norr@example.org", role="door", events=[conference["event"]])
    log_in(page, "norr@example.org")
    page.goto(DOOR)
    prepare(page, 1)
    page.context.set_offline(True)
    scan(page, attendee.badge_token)
    expect(page.locator("[data-offline-banner]")).to_contain_text("1 skanning i kö")
    end_sessions(door)  # "log out everywhere", or a password changed on another device
    db.session.commit()
    page.context.set_offline(False)  # the upload is sent to the login page
    expect(page.locator("[data-offline-state]")).to_contain_text(
        "får inte längre checka in här", timeout=20_000)
    assert stored(page) == {"databases": [], "caches": [], "workers": 0}
