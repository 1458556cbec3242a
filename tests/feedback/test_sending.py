"""The survey goes out by itself: the beat's task (run eagerly here) and `flask send-feedback`
ask those whose time has come, once, remind once those who did not answer, and stop when the
survey closes."""

from datetime import timedelta

import pytest
from celery import _state as celery_state
from sqlalchemy import delete, func, select

from app import create_app
from app.checkin.models import CheckIn
from app.db_types import utcnow
from app.extensions import db
from app.feedback.services import event_ended_at, send_due
from app.mail.models import OutgoingEmail
from config import TestConfig


def automatic(survey, **settings):
    survey = db.session.merge(survey)
    survey.auto_send = True
    for name, value in settings.items():
        setattr(survey, name, value)
    db.session.commit()
    return survey


def test_the_cli_sends_after_the_set_hours_once_and_reminds_once(app, surveyed, mailbox):
    survey = automatic(surveyed["survey"], send_after_hours=3, remind_after_days=4)
    ended = event_ended_at(survey.event)
    runner = app.test_cli_runner()

    assert send_due(now=ended + timedelta(hours=2)).requested == 0  # not yet
    db.session.commit()
    assert mailbox.messages == []

    sent = send_due(now=ended + timedelta(hours=3))
    db.session.commit()
    assert sent.requested == 10 and sent.reminded == 0
    assert len(mailbox.wait_for(10)) == 10
    assert send_due(now=ended + timedelta(hours=4)).requested == 0  # nobody twice
    db.session.commit()

    mailbox.clear()
    reminded = send_due(now=ended + timedelta(days=4, hours=3))
    db.session.commit()
    assert reminded.reminded == 10
    assert mailbox.wait_for(10)[0]["Subject"].startswith("Påminnelse:")
    result = runner.invoke(args=["send-feedback"])  # today: long after, but nothing is due
    assert result.exit_code == 0 and "reminded: 0" in result.output


def test_to_everyone_registered_when_the_organiser_chose_so(app, surveyed, mailbox):
    people = surveyed["people"]
    db.session.execute(delete(CheckIn).where(CheckIn.registration_id == people[0].id))
    db.session.commit()
    survey = automatic(surveyed["survey"], audience="checked_in")
    ended = event_ended_at(survey.event)
    assert send_due(now=ended + timedelta(hours=3)).requested == 9
    survey.audience = "registered"
    assert send_due(now=ended + timedelta(hours=3)).requested == 1
    db.session.commit()


def test_per_session_sending_waits_for_the_persons_last_session(surveyed, mailbox):
    automatic(surveyed["survey"], send_from="session", send_after_hours=1)
    talk_end = surveyed["talk"].ends_at
    sent = send_due(now=talk_end + timedelta(hours=1))
    db.session.commit()
    # Those at the talk only (3 of the 7 at the talk are not in the workshop, which ends later);
    # the rest have no session: they wait for the event's end.
    assert sent.requested == 3


def test_a_closed_survey_sends_nothing(surveyed, mailbox):
    survey = automatic(surveyed["survey"])
    survey.closes_on = survey.event.ends_on
    db.session.commit()
    assert send_due(now=event_ended_at(survey.event) + timedelta(days=2)).requested == 0


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_the_beat_runs_the_task_eagerly(app_settings, surveyed, mailbox):
    """The beat schedule has the task; run eagerly by an app configured like production (on
    the same database) it sends what is due: nothing before this conference has ended, all of
    it once its programme lies in the past."""
    previous_default, previous_current = celery_state.default_app, celery_state._tls.current_app
    production = create_app(TestConfig, WTF_CSRF_ENABLED=False,
                            REDIS_URL="redis://127.0.0.1:6379/5",
                            RATELIMIT_STORAGE_URI="memory://", **app_settings)
    celery_app = production.extensions["celery"]
    celery_app.conf.task_always_eager = True
    try:
        [entry] = [e for e in celery_app.conf.beat_schedule.values()
                   if e["task"] == "samla.send_feedback"]
        assert entry["schedule"] <= 900
        survey = automatic(surveyed["survey"], send_after_hours=0)
        assert celery_app.tasks["samla.send_feedback"].delay().get() == 0
        for item in (surveyed["talk"], surveyed["lunch"], surveyed["workshop"]):
            item = db.session.merge(item)
            item.starts_at -= timedelta(days=1000)
            item.ends_at -= timedelta(days=1000)
        db.session.commit()
        assert event_ended_at(survey.event) < utcnow()
        assert celery_app.tasks["samla.send_feedback"].delay().get() == 10
        # Queued in the outbox, which hands each email to a worker through Redis.
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OutgoingEmail).where(
            OutgoingEmail.kind == "feedback-request")) == 10
    finally:
        celery_app.close()
        celery_state.set_default_app(previous_default)
        celery_state._set_current_app(previous_current)
        with production.app_context():
            db.engine.dispose()
