"""An event keeps its personal data only so long: its sensitive answers (dietary and
accessibility needs, answers to questions marked sensitive) for a number of days after its last
day, then the rest of what it no longer needs. The organiser sees the dates on the event's page
and changes them on the event form; Samla deletes by itself, hourly from the Celery beat or
from cron with `flask purge-expired`, each stage once, and writes it in the audit log."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.events.models import Event
from app.extensions import db as _db
from app.registration import retention
from app.registration.models import Answer, Question, Registration
from app.registration.personal import star
from app.registration.questions import save_question
from app.tasks import purge_expired_personal_data
from app.waitlist.models import WaitingListEntry
from tests.concurrency import run_at_once
from tests.factories import event_form, register

SLUG = "varkonferensen-2027"
HOME = f"/manage/e/{SLUG}/"
EDIT = f"/manage/e/{SLUG}/edit"
LOG = f"/manage/e/{SLUG}/audit"


def text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())




@pytest.fixture
def attendees(conference, db):
    """Alva, who gave everything: a phone, a role, dietary and accessibility needs, an answer
    to a sensitive question and to an ordinary one, a starred talk; and Bo on the waiting list."""
    event, ticket = conference["event"], conference["ticket"]
    health = save_question(event, None, label="Behöver du en personlig assistent?", kind="text",
                           sensitive=True)
    work = save_question(event, None, label="Var arbetar du?", kind="text")
    db.session.commit()
    alva = register(event, ticket, name="Alva Ek", email="alva@example.org",
                    phone="0701234567", role="Kurator", dietary_needs="Vegetarisk",
                    accessibility_needs="Hörslinga", sensitive_consent=True,
                    answers={health.id: "Ja, min assistent följer med", work.id: "Region Väst"})
    star(alva, conference["talk"])
    db.session.add(WaitingListEntry(event_id=event.id, ticket_type_id=conference["paid"].id,
                                    name="Bo Berg", email="bo@example.org", token="bo-token"))
    db.session.commit()
    return {"alva": alva, "health": health, "work": work}


def stockholm(*parts) -> datetime:
    """A wall-clock time in Stockholm as the instant Samla stores."""
    return Event(timezone="Europe/Stockholm").to_utc(datetime(*parts).date(),
                                                     datetime(*parts).time())


def entries(db, action):
    db.session.rollback()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def fresh(db, model, id_):
    db.session.rollback()
    return db.session.get(model, id_)


def end_event_days_ago(conference, db, days):
    """Move the (one-day) event so that it ended `days` days ago at its place."""
    event = db.session.get(Event, conference["event"].id)
    event.starts_on = event.ends_on = event.today() - timedelta(days=days)
    db.session.commit()
    return event


# --- what the organiser sees and sets ---------------------------------------------------------

def test_the_event_page_says_when_the_data_will_be_deleted(organiser, conference):
    """The conference's last day is 18 March 2027: 30 days later, at the start of 18 April, the
    sensitive answers go; 365 days later (2028 is a leap year), on 18 March 2028, the rest."""
    page = text(organiser.get(HOME))
    assert ("Känsliga svar raderas den 18 april 2027, personuppgifter den 18 mars 2028."
            in page)
    assert "30 och 365 dagar efter evenemangets sista dag" in page
    organiser.get("/language/en")
    page = text(organiser.get(HOME))
    assert ("Sensitive answers will be deleted on April 18, 2027, personal data on "
            "March 18, 2028." in page)


def test_a_new_event_keeps_data_30_and_365_days_unless_the_organiser_says_otherwise(
        organiser, db):
    response = organiser.post("/manage/events/new", data={
        "name": "Sommarkursen", "starts_on": "2027-06-14", "ends_on": "2027-06-16",
        "timezone": "Europe/Stockholm", "time_step_minutes": "5"})
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert (event.sensitive_retention_days, event.personal_retention_days) == (30, 365)
    page = text(organiser.get(response.headers["Location"]))
    assert "Känsliga svar raderas den 17 juli 2027, personuppgifter den 16 juni 2028." in page


def test_the_organiser_shortens_the_retention_on_the_event_form(organiser, conference, db):
    event = conference["event"]
    form = organiser.get(EDIT).get_data(as_text=True)
    assert 'name="sensitive_retention_days"' in form and 'value="30"' in form
    response = organiser.post(EDIT, data=event_form(event, sensitive_retention_days="0",
                                                   personal_retention_days="90"))
    assert response.status_code == 302
    assert fresh(db, Event, event.id).sensitive_retention_days == 0
    page = text(organiser.get(HOME))
    assert "Känsliga svar raderas den 19 mars 2027, personuppgifter den 17 juni 2027." in page


@pytest.mark.parametrize("sensitive,personal,message", [
    ("90", "30", "Personuppgifterna kan inte raderas före de känsliga svaren"),
    ("-1", "365", "mellan 0 och 3650"),
    ("30", "4000", "mellan 0 och 3650"),
    ("", "365", "heltal"),
    ("trettio", "365", "heltal"),
])
def test_a_retention_that_makes_no_sense_is_refused(organiser, conference, db, sensitive,
                                                    personal, message):
    response = organiser.post(EDIT, data=event_form(conference["event"],
                                                   sensitive_retention_days=sensitive,
                                                   personal_retention_days=personal))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    event = fresh(db, Event, conference["event"].id)
    assert (event.sensitive_retention_days, event.personal_retention_days) == (30, 365)


def test_a_question_can_be_marked_sensitive(organiser, conference, db):
    response = organiser.post(f"/manage/e/{SLUG}/questions/new", data={
        "label": "Har du en diagnos vi behöver känna till?", "kind": "text", "sensitive": "y"})
    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert question.sensitive
    listed = organiser.get(f"/manage/e/{SLUG}/questions").get_data(as_text=True)
    assert '<span class="badge">Känsliga svar</span>' in listed
    # The export page offers its answers among the sensitive columns, never ticked.
    exports = organiser.get(f"/manage/e/{SLUG}/exports").get_data(as_text=True)
    sensitive = exports[exports.index('name="sensitive"'):]
    assert f'value="q{question.id}"' in sensitive
    assert f'name="columns" type="checkbox" value="q{question.id}"' not in exports


# --- Samla deletes by itself, at the right time, each stage once ------------------------------

def test_nothing_goes_before_midnight_and_the_sensitive_answers_go_at_it(conference,
                                                                         attendees, db):
    alva = attendees["alva"]
    # 18 April 2027 begins at 22:00 UTC on the 17th (summer time).
    assert retention.purge_expired(now=stockholm(2027, 4, 17, 23, 59, 59)).done == []
    _db.session.commit()
    assert fresh(db, Registration, alva.id).dietary_needs == "Vegetarisk"

    run = retention.purge_expired(now=stockholm(2027, 4, 18, 0, 0))
    _db.session.commit()
    assert run.done == [(SLUG, "sensitive")]
    kept = fresh(db, Registration, alva.id)
    assert (kept.dietary_needs, kept.accessibility_needs, kept.sensitive_consent) == (
        "", "", False)
    answers = {a.question_id: a.value for a in db.session.scalars(select(Answer))}
    assert answers == {attendees["work"].id: "Region Väst"}
    # The rest stays until its own day.
    assert (kept.phone, kept.role, kept.name) == ("0701234567", "Kurator", "Alva Ek")
    assert db.session.scalar(select(WaitingListEntry)) is not None

    # The next hourly run, and the one after, do nothing more.
    assert retention.purge_expired(now=stockholm(2027, 4, 18, 1, 0)).done == []
    assert retention.purge_expired(now=stockholm(2027, 9, 1, 12, 0)).done == []
    _db.session.commit()
    [entry] = entries(db, "event.sensitive_purged")
    assert entry.user_id is None and entry.actor == ""
    assert entry.detail == {"purged": {"sensitive": 1, "sensitive_answers": 1},
                            "retention_days": 30}
    assert entries(db, "event.purged") == []

    # A year after the event, at the start of 18 March 2028 (winter time: 23:00 UTC).
    assert retention.purge_expired(now=stockholm(2028, 3, 17, 23, 59)).done == []
    assert retention.purge_expired(now=stockholm(2028, 3, 18, 0, 0)).done == [
        (SLUG, "personal")]
    _db.session.commit()
    assert retention.purge_expired(now=stockholm(2028, 3, 18, 1, 0)).done == []
    _db.session.commit()
    kept = fresh(db, Registration, alva.id)
    assert (kept.phone, kept.role, kept.name) == ("", "", "Alva Ek")
    assert db.session.scalar(select(Answer)) is None
    assert db.session.scalar(select(WaitingListEntry)) is None
    [entry] = entries(db, "event.purged")
    assert entry.user_id is None and entry.detail["retention_days"] == 365
    assert entry.detail["purged"]["phones"] == 1 and entry.detail["purged"]["answers"] == 1
    event = fresh(db, Event, conference["event"].id)
    assert event.sensitive_data_purged_at == stockholm(2027, 4, 18, 0, 0)
    assert event.personal_data_purged_at == stockholm(2028, 3, 18, 0, 0)


def test_after_the_first_stage_the_pages_no_longer_ask_for_what_went(organiser, client,
                                                                     conference, attendees,
                                                                     db):
    alva, health, work = attendees["alva"], attendees["health"], attendees["work"]
    retention.purge_expired(now=stockholm(2027, 4, 18, 0, 30))
    _db.session.commit()

    page = text(organiser.get(HOME))
    assert ("Känsliga svar raderades den 18 april 2027. Personuppgifter raderas den "
            "18 mars 2028." in page)
    person = organiser.get(f"/manage/e/{SLUG}/attendees/{alva.id}").get_data(as_text=True)
    assert "Hörslinga" not in person and "min assistent" not in person
    assert "0701234567" in person and "Region Väst" in person
    log = organiser.get(LOG).get_data(as_text=True)
    assert "Raderade känsliga svar" in log and "Samla (automatiskt)" in log
    assert "<dt>Dagar efter evenemanget</dt><dd>30</dd>" in log
    assert "känsliga uppgifter: 1, svar på känsliga frågor: 1" in log

    own = client.get(f"/r/{alva.manage_token}/edit").get_data(as_text=True)
    assert 'name="dietary_needs"' not in own and f'name="q{health.id}"' not in own
    assert f'name="q{work.id}"' in own
    assert "raderades den 18 april 2027. Därför frågar vi inte efter dem längre" in own
    # Sending them anyway stores nothing sensitive.
    saved = client.post(f"/r/{alva.manage_token}/edit", data={
        "name": "Alva Ek", f"q{work.id}": "Region Väst", f"q{health.id}": "Ja",
        "dietary_needs": "Vegan", "sensitive_consent": "y"})
    assert saved.status_code == 303
    kept = fresh(db, Registration, alva.id)
    assert kept.dietary_needs == "" and not kept.sensitive_consent
    assert {a.question_id for a in db.session.scalars(select(Answer))} == {work.id}


def test_both_stages_due_at_once_run_as_one_whole_purge(conference, attendees, db):
    """A run missed for a year, or a long retention shortened: the whole purge does both."""
    run = retention.purge_expired(now=stockholm(2028, 6, 1, 12, 0))
    _db.session.commit()
    assert run.done == [(SLUG, "personal")]
    event = fresh(db, Event, conference["event"].id)
    assert event.sensitive_data_purged_at == event.personal_data_purged_at
    assert retention.purge_expired(now=stockholm(2028, 6, 2, 12, 0)).done == []
    assert len(entries(db, "event.purged")) == 1
    assert entries(db, "event.sensitive_purged") == []


def test_a_purge_done_by_hand_counts_and_is_not_run_again(organiser, conference, attendees,
                                                           db):
    response = organiser.post(f"/manage/e/{SLUG}/purge", data={"confirm_slug": SLUG})
    assert response.status_code == 303
    assert retention.purge_expired(now=stockholm(2029, 1, 1, 12, 0)).done == []
    [entry] = entries(db, "event.purged")
    assert entry.actor.startswith("Olga Organiser")
    page = text(organiser.get(HOME))
    assert "Personuppgifterna, de känsliga svaren också, raderades den" in page


def test_the_organiser_deletes_only_the_sensitive_answers_now(organiser, conference, attendees,
                                                              db):
    purge = f"/manage/e/{SLUG}/purge"
    page = text(organiser.get(purge))
    assert "De känsliga svaren raderas den 18 april 2027: behov av specialkost och " \
           "tillgänglighet och svar på frågor som är markerade som känsliga. " \
           "Resten raderas den 18 mars 2028" in page
    response = organiser.post(purge, data={"confirm_slug": SLUG, "stage": "sensitive"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/manage/e/{SLUG}/#personal-data")
    alva = fresh(db, Registration, attendees["alva"].id)
    assert alva.dietary_needs == "" and alva.phone == "0701234567" and alva.role == "Kurator"
    [entry] = entries(db, "event.sensitive_purged")
    assert entry.actor.startswith("Olga Organiser") and "retention_days" not in entry.detail
    assert "Känsliga svar raderades den" in text(organiser.get(HOME))
    assert "Radera bara de känsliga svaren" not in text(organiser.get(purge))
    # Samla does not do that stage again, and the rest still goes on its day.
    assert retention.purge_expired(now=stockholm(2027, 4, 18, 0, 30)).done == []
    assert retention.purge_expired(now=stockholm(2028, 3, 18, 0, 30)).done == [
        (SLUG, "personal")]
    _db.session.commit()
    assert len(entries(db, "event.sensitive_purged")) == 1


def test_other_events_keep_their_data(conference, attendees, db):
    from tests.factories import build_conference

    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    event = db.session.get(Event, other["event"].id)
    event.starts_on = event.ends_on = event.ends_on.replace(month=10)
    db.session.commit()
    ola = register(event, other["ticket"], name="Ola", email="ola@example.org",
                   dietary_needs="Vegansk", sensitive_consent=True)
    assert retention.purge_expired(now=stockholm(2027, 5, 1, 12, 0)).done == [
        (SLUG, "sensitive")]
    _db.session.commit()
    assert fresh(db, Registration, ola.id).dietary_needs == "Vegansk"
    assert fresh(db, Event, event.id).sensitive_data_purged_at is None


def test_the_command_for_cron_purges_what_is_due_once(app, conference, attendees, db):
    """`flask purge-expired`, with the real clock: the event ended 40 days ago."""
    end_event_days_ago(conference, db, 40)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["purge-expired"])
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [f"{SLUG}: sensitive", "purged: 1"]
    again = runner.invoke(args=["purge-expired"])
    assert again.output.splitlines() == ["purged: 0"]
    assert fresh(db, Registration, attendees["alva"].id).dietary_needs == ""

    end_event_days_ago(conference, db, 400)
    assert runner.invoke(args=["purge-expired"]).output.splitlines() == [
        f"{SLUG}: personal", "purged: 1"]
    assert runner.invoke(args=["purge-expired"]).output.splitlines() == ["purged: 0"]
    assert fresh(db, Registration, attendees["alva"].id).phone == ""
    assert len(entries(db, "event.sensitive_purged")) == 1
    assert len(entries(db, "event.purged")) == 1


def test_the_beat_task_purges_what_is_due_once(conference, attendees, db):
    end_event_days_ago(conference, db, 31)
    assert purge_expired_personal_data() == 1
    assert purge_expired_personal_data() == 0
    assert fresh(db, Registration, attendees["alva"].id).accessibility_needs == ""
    assert fresh(db, Registration, attendees["alva"].id).phone == "0701234567"
    assert len(entries(db, "event.sensitive_purged")) == 1


def test_an_event_not_over_yet_keeps_everything(conference, attendees, db):
    end_event_days_ago(conference, db, 0)  # its last day is today
    assert purge_expired_personal_data() == 0
    assert fresh(db, Registration, attendees["alva"].id).dietary_needs == "Vegetarisk"


def test_the_beat_and_cron_at_the_same_moment_purge_once(app, conference, attendees, db):
    now = stockholm(2027, 4, 18, 0, 15)
    outcomes = run_at_once(app, 4, lambda _i: retention.purge_expired(now=now).done)
    done = [result for _i, result in outcomes]
    assert not [result for result in done if isinstance(result, Exception)], done
    assert sorted(len(result) for result in done) == [0, 0, 0, 1]
    assert len(entries(db, "event.sensitive_purged")) == 1


def test_one_event_failing_leaves_the_others_to_be_purged(conference, attendees, db,
                                                          monkeypatch):
    from tests.factories import build_conference

    other = build_conference(name="Vinterkursen", slug="vinterkursen-2027")
    ola = register(other["event"], other["ticket"], name="Ola", email="ola@example.org",
                   dietary_needs="Vegansk", sensitive_consent=True)
    real = retention.privacy.purge_sensitive

    def broken(event, *args, **kwargs):
        if event.slug == SLUG:
            raise RuntimeError("disk full")
        return real(event, *args, **kwargs)

    monkeypatch.setattr(retention.privacy, "purge_sensitive", broken)
    run = retention.purge_expired(now=stockholm(2027, 5, 1, 12, 0))
    _db.session.commit()
    assert run.done == [("vinterkursen-2027", "sensitive")]
    assert run.failed == [(SLUG, "disk full")]
    assert fresh(db, Registration, ola.id).dietary_needs == ""
    assert fresh(db, Registration, attendees["alva"].id).dietary_needs == "Vegetarisk"
    assert fresh(db, Event, conference["event"].id).sensitive_data_purged_at is None


def test_the_schedule_follows_the_events_own_zone(db):
    london = Event(timezone="Europe/London", starts_on=datetime(2027, 3, 18).date(),
                   ends_on=datetime(2027, 3, 18).date(), sensitive_retention_days=0,
                   personal_retention_days=1)
    assert retention.due_at(london, 0) == datetime(2027, 3, 19, 0, 0, tzinfo=UTC)
    assert retention.due_at(london, 1) == datetime(2027, 3, 20, 0, 0, tzinfo=UTC)
    assert retention.schedule(london).personal_on.isoformat() == "2027-03-20"
