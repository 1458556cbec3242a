"""An event's survey: the ready-made ones, editing questions, and asking people to answer (by
hand, or by itself some hours after the event or the person's last session ended), with one
reminder and a closing day. Answering is app/feedback/answering.py, results results.py."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, literal, or_, select, text

from app.checkin.models import CheckIn
from app.db_types import utcnow
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.i18n import localized
from app.mail.outbox import queue_email
from app.mail.render import absolute_url, render_email
from app.programme.models import ProgrammeItem, SessionSignup
from app.registration.models import PersonalProgrammeEntry, Registration

from .models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse

MIN_GROUP = 5  # results of fewer people than this are not shown
CLOSES_AFTER_DAYS = 14  # answers are taken this long after the event unless a day is set
NOT_ASKED_ABOUT = ("break", "lunch")  # programme items nobody rates


class FeedbackError(Refusal):
    pass


def _q(kind, sv, en, *, low=("", ""), high=("", ""), options=(), required=False,
       per_session=False):
    return dict(kind=kind, text=sv, text_en=en, low_label=low[0], low_label_en=low[1],
                high_label=high[0], high_label_en=high[1],
                options=[{"sv": s, "en": e} for s, e in options], required=required,
                per_session=per_session)


POOR_GOOD = dict(low=("Mycket dåligt", "Very poor"), high=("Mycket bra", "Very good"))
AGREE = dict(low=("Stämmer inte alls", "Not at all true"), high=("Stämmer helt", "Completely true"))
RECOMMEND = dict(low=("Inte alls troligt", "Not at all likely"),
                 high=("Mycket troligt", "Very likely"))

# The ready-made surveys, in plain language; the organiser changes them as they like.
DEFAULTS = {
    "conference": [
        _q("rating", "Vad tyckte du om konferensen som helhet?",
           "Overall, what did you think of the conference?", required=True, **POOR_GOOD),
        _q("recommend", "Hur troligt är det att du tipsar en vän eller kollega om konferensen?",
           "How likely are you to recommend the conference to a friend or colleague?",
           **RECOMMEND),
        _q("grid", "Hur väl stämmer det här för dig?", "How true is this for you?",
           options=[("Jag lärde mig något nytt", "I learnt something new"),
                    ("Jag träffade människor jag vill hålla kontakt med",
                     "I met people I want to stay in touch with"),
                    ("Lokalen fungerade för mig", "The venue worked for me"),
                    ("Informationen före konferensen var tydlig",
                     "The information before the conference was clear")], **AGREE),
        _q("single", "Hur fick du veta om konferensen?", "How did you hear about the conference?",
           options=[("Genom min arbetsplats", "Through my workplace"),
                    ("Genom en förening", "Through an association"),
                    ("I sociala medier", "On social media"), ("På annat sätt", "Some other way")]),
        _q("multiple", "Vad vill du ha mer av nästa gång?",
           "What would you like more of next time?",
           options=[("Tid med peer supporters", "Time with peer supporters"),
                    ("Workshoppar", "Workshops"), ("Pauser för samtal", "Breaks to talk"),
                    ("Föreläsningar", "Talks")]),
        _q("yes_no", "Vill du komma nästa år?", "Would you like to come next year?"),
        _q("text", "Vad var bra, och vad kan bli bättre?",
           "What was good, and what could be better?"),
        _q("rating", "Vad tyckte du om passet?", "What did you think of this session?",
           per_session=True, **POOR_GOOD),
        _q("text", "Vill du säga något till talarna?", "Anything you want to tell the speakers?",
           per_session=True),
    ],
    "course": [
        _q("rating", "Vad tyckte du om kursen som helhet?",
           "Overall, what did you think of the course?", required=True, **POOR_GOOD),
        _q("grid", "Hur väl stämmer det här för dig?", "How true is this for you?",
           options=[("Kursen gav mig det jag behövde", "The course gave me what I needed"),
                    ("Kursledaren förklarade tydligt", "The teacher explained clearly"),
                    ("Tempot var lagom", "The pace was right")], **AGREE),
        _q("yes_no", "Kan du använda det du lärde dig i ditt arbete?",
           "Can you use what you learnt in your work?"),
        _q("recommend", "Hur troligt är det att du tipsar en vän eller kollega om kursen?",
           "How likely are you to recommend the course to a friend or colleague?", **RECOMMEND),
        _q("text", "Vad var bra, och vad kan bli bättre?",
           "What was good, and what could be better?"),
        _q("rating", "Vad tyckte du om passet?", "What did you think of this session?",
           per_session=True, **POOR_GOOD),
    ],
}
DEFAULT_LABELS = {"conference": _l("Conference"), "course": _l("Course")}


def survey_for(event: Event) -> Survey | None:
    return db.session.scalar(select(Survey).where(Survey.event_id == event.id))


def create_survey(event: Event, template: str) -> Survey:
    """The event's survey from a ready-made one ("conference" or "course")."""
    if template not in DEFAULTS:
        raise FeedbackError(_("Choose one of the ready-made surveys."), status=400)
    if survey_for(event) is not None:
        raise FeedbackError(_("The event already has a survey."))
    survey = Survey(event=event, auto_send=False, send_after_hours=2, send_from="event",
                    audience="checked_in", remind_after_days=4, released_to_speakers=False,
                    intro="", intro_en="")
    survey.questions = [SurveyQuestion(position=n, **fields)
                        for n, fields in enumerate(DEFAULTS[template])]
    db.session.add(survey)
    db.session.flush()
    return survey


def save_question(survey: Survey, question: SurveyQuestion | None, fields: dict) -> SurveyQuestion:
    """Add a question at the end, or change one."""
    if fields["kind"] in ("single", "multiple", "grid") and not fields["options"]:
        raise FeedbackError(_("Give at least one choice or statement."), status=400)
    if question is None:
        question = SurveyQuestion(survey=survey, position=len(survey.questions))
        db.session.add(question)
    for name, value in fields.items():
        setattr(question, name, value)
    db.session.flush()
    return question


def remove_question(survey: Survey, question: SurveyQuestion) -> None:
    """Its answers go with it."""
    survey.questions.remove(question)
    for position, other in enumerate(survey.questions):
        other.position = position
    db.session.flush()


def move_question(survey: Survey, question: SurveyQuestion, step: int) -> None:
    questions = list(survey.questions)
    index = questions.index(question)
    target = index + step
    if 0 <= target < len(questions):
        questions[index], questions[target] = questions[target], questions[index]
        for position, other in enumerate(questions):
            other.position = position
    db.session.flush()


def save_settings(survey: Survey, **settings) -> None:
    for name, value in settings.items():
        setattr(survey, name, value)
    db.session.flush()


# --- when answers are taken --------------------------------------------------------------------

def event_ended_at(event: Event) -> datetime:
    """When the event's last programme item ends; the end of its last day if it has none."""
    last = db.session.scalar(select(func.max(ProgrammeItem.ends_at)).where(
        ProgrammeItem.event_id == event.id, ProgrammeItem.cancelled.is_(False)))
    return last or event.to_utc(event.ends_on + timedelta(days=1), time(0, 0))


def closes_on(survey: Survey) -> date:
    return survey.closes_on or survey.event.ends_on + timedelta(days=CLOSES_AFTER_DAYS)


def is_open(survey: Survey, now: datetime | None = None) -> bool:
    return survey.event.today(now) <= closes_on(survey)


def may_answer(registration: Registration, survey: Survey | None,
               now: datetime | None = None) -> bool:
    """A confirmed attendee, once asked or after the event, until the survey closes."""
    if survey is None or not survey.questions or not registration.is_active:
        return False
    now = now or utcnow()
    started = (registration.feedback_requested_at is not None
               or event_ended_at(registration.event) <= now)
    return started and is_open(survey, now)


def items_for(registration: Registration) -> list[ProgrammeItem]:
    """The programme items the person was checked in to, signed up for or starred: those the
    per-session questions are asked about, in programme order."""
    checked_in = select(CheckIn.list_key).where(
        CheckIn.registration_id == registration.id, CheckIn.counts(),
        CheckIn.list_key.like("item:%"))
    keys = set(db.session.scalars(checked_in))
    signed_up = select(SessionSignup.item_id).where(
        SessionSignup.registration_id == registration.id)
    starred = select(PersonalProgrammeEntry.item_id).where(
        PersonalProgrammeEntry.registration_id == registration.id)
    by_key = [int(key.split(":", 1)[1]) for key in keys if key.split(":", 1)[1].isdigit()]
    return db.session.scalars(select(ProgrammeItem).where(
        ProgrammeItem.event_id == registration.event_id,
        ProgrammeItem.cancelled.is_(False),
        ProgrammeItem.kind.not_in(NOT_ASKED_ABOUT),
        or_(ProgrammeItem.id.in_(by_key), ProgrammeItem.id.in_(signed_up),
            ProgrammeItem.id.in_(starred)),
    ).order_by(ProgrammeItem.starts_at, ProgrammeItem.id)).all()


# --- asking ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sending:
    requested: int
    reminded: int


def _audience(event: Event, survey: Survey, audience: str | None = None):
    query = select(Registration).where(
        Registration.event_id == event.id, Registration.status == "confirmed",
        Registration.feedback_answered_on.is_(None))
    if (audience or survey.audience) == "checked_in":
        query = query.where(Registration.id.in_(select(CheckIn.registration_id).where(
            CheckIn.event_id == event.id, CheckIn.counts())))
    return query


def _ask(event: Event, registration: Registration, reminder: bool) -> None:
    name = localized(event, "name", registration.language)
    subject, body, html = render_email(
        "feedback/email_request.txt", registration.language,
        (lambda: _("Reminder: what did you think of %(event)s?", event=name)) if reminder
        else (lambda: _("What did you think of %(event)s?", event=name)),
        registration=registration, event=event, reminder=reminder,
        link=absolute_url("feedback.give", token=registration.manage_token),
    )
    queue_email(to=registration.email, subject=subject, body=body, html=html,
                kind="feedback-reminder" if reminder else "feedback-request", event_id=event.id)


def request_feedback(event: Event, audience: str | None = None, *, confirm_early: bool = False,
                     now: datetime | None = None) -> int:
    """Email the survey's link to everyone in the audience not asked yet. Before the event has
    ended only with confirm_early (the organiser ticked that they mean it)."""
    now = now or utcnow()
    survey = survey_for(event)
    if survey is None or not survey.questions:
        raise FeedbackError(_("The event has no survey to send yet."))
    if not is_open(survey, now):
        raise FeedbackError(_("The survey has closed."))
    if now < event_ended_at(event) and not confirm_early:
        raise FeedbackError(_("The event has not ended yet. Tick the box to send the survey "
                              "anyway."), status=400)
    registrations = db.session.scalars(
        _audience(event, survey, audience).where(Registration.feedback_requested_at.is_(None))
        .order_by(Registration.id)).all()
    for registration in registrations:
        _ask(event, registration, reminder=False)
        registration.feedback_requested_at = now
    db.session.flush()
    return len(registrations)


def _last_session_end(event: Event) -> dict[int, datetime]:
    """Registration id -> when the last item they were checked in to or signed up for ended."""
    ends: dict[int, datetime] = {}
    checked_in = db.session.execute(
        select(CheckIn.registration_id, func.max(ProgrammeItem.ends_at))
        .join(ProgrammeItem,
              CheckIn.list_key == literal("item:", String) + cast(ProgrammeItem.id, String))
        .where(CheckIn.event_id == event.id, CheckIn.counts(),
               ProgrammeItem.cancelled.is_(False))
        .group_by(CheckIn.registration_id))
    signed_up = db.session.execute(
        select(SessionSignup.registration_id, func.max(ProgrammeItem.ends_at))
        .join(ProgrammeItem, ProgrammeItem.id == SessionSignup.item_id)
        .where(ProgrammeItem.event_id == event.id, ProgrammeItem.cancelled.is_(False))
        .group_by(SessionSignup.registration_id))
    for registration_id, ended in [*checked_in, *signed_up]:
        if ended is not None:
            ends[registration_id] = max(ends.get(registration_id, ended), ended)
    return ends


def send_due(now: datetime | None = None) -> Sending:
    """What the beat and `flask send-feedback` do: for each survey that sends by itself, ask
    whoever's time has come (the set hours after the event, or after their last session), and
    remind once those asked the set days ago who have not answered. Running it again sends
    nothing twice."""
    now = now or utcnow()
    requested = reminded = 0
    for survey in db.session.scalars(select(Survey).where(Survey.auto_send.is_(True))
                                     .order_by(Survey.id)).all():
        event = survey.event
        if not survey.questions or not is_open(survey, now):
            continue
        wait = timedelta(hours=survey.send_after_hours)
        event_end = event_ended_at(event)
        ends = _last_session_end(event) if survey.send_from == "session" else {}
        for registration in db.session.scalars(
                _audience(event, survey).where(Registration.feedback_requested_at.is_(None))
                .order_by(Registration.id)).all():
            if ends.get(registration.id, event_end) + wait <= now:
                _ask(event, registration, reminder=False)
                registration.feedback_requested_at = now
                requested += 1
        due = now - timedelta(days=survey.remind_after_days)
        for registration in db.session.scalars(
                _audience(event, survey).where(Registration.feedback_requested_at <= due,
                                               Registration.feedback_reminded_at.is_(None))
                .order_by(Registration.id)).all():
            _ask(event, registration, reminder=True)
            registration.feedback_reminded_at = now
            reminded += 1
    db.session.flush()
    return Sending(requested, reminded)


def scramble_storage() -> None:
    """On PostgreSQL rows lie on disk in the order they were written (ctid), and so would the
    answers; CLUSTER rewrites the answer tables in the order of their random keys. SQLite
    keeps them WITHOUT ROWID, already in that order. Run daily by the beat and the CLI."""
    if db.session.get_bind().dialect.name == "postgresql":
        for table in (SurveyResponse.__table__, SurveyAnswer.__table__):
            # The primary key's index, by whatever name the naming convention gave it.
            index = db.session.scalar(text(
                "SELECT indexrelid::regclass::text FROM pg_index "
                "WHERE indrelid = CAST(:table AS regclass) AND indisprimary"),
                {"table": table.name})
            db.session.execute(text(f'CLUSTER {table.name} USING "{index}"'))


@dataclass(frozen=True)
class Progress:
    asked: int
    reminded: int
    answered: int
    ended_at: datetime
    closes_on: date


def progress(survey: Survey) -> Progress:
    event = survey.event
    asked, reminded, answered = db.session.execute(select(
        func.count(Registration.feedback_requested_at),
        func.count(Registration.feedback_reminded_at),
        func.count(Registration.feedback_answered_on),
    ).where(Registration.event_id == event.id)).one()
    return Progress(asked, reminded, answered, event_ended_at(event), closes_on(survey))
