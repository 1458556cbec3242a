"""Answering a survey from one's personal link: the questions laid out in short steps (the
whole event first, then each programme item the person went to), what was sent checked against
each question's kind, and the answers stored apart from the person.

Storing: the registration's feedback_answered_on is claimed by one UPDATE (so a double submit
or two tabs store one answer), then the answers go in as responses with random keys, the
person's responses in random order; nothing written names the person or the time of day."""

import random
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.db_types import utcnow
from app.extensions import db
from app.programme.models import ProgrammeItem
from app.registration.models import Registration
from app.validators import PLAIN_TEXT_MESSAGE, is_plain_text, normalise_lines, shown_refused

from .models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from .services import MIN_GROUP, FeedbackError

TEXT_LIMIT = 5000
SCALES = {"rating": range(1, 6), "grid": range(1, 6), "recommend": range(0, 11)}
CHOOSE = _l("Choose one of the answers.")


@dataclass
class Asked:
    """One question on one step, with what was sent for it and what was wrong."""

    question: SurveyQuestion
    name: str  # the form field's name (a grid's rows add "-<row>")
    value: object = None  # int, list of ints, {row: int} or text
    error: str = ""


@dataclass
class Step:
    item: ProgrammeItem | None
    asked: list[Asked] = field(default_factory=list)


def field_name(question: SurveyQuestion, item: ProgrammeItem | None) -> str:
    return (f"i{item.id}-" if item is not None else "") + f"q{question.id}"


def steps(survey: Survey, items: list[ProgrammeItem]) -> list[Step]:
    """The event's questions, then the per-session ones once for each item."""
    general = [q for q in survey.questions if not q.per_session]
    per_session = [q for q in survey.questions if q.per_session]
    layout = [Step(None, [Asked(q, field_name(q, None)) for q in general])] if general else []
    if per_session:
        layout += [Step(item, [Asked(q, field_name(q, item)) for q in per_session])
                   for item in items]
    return layout


def _number(raw: str | None, allowed) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) not in allowed:
        raise ValueError
    return int(raw)


def _read(asked: Asked, formdata) -> None:
    """asked.value from the form; asked.error when it is not one of the question's answers."""
    question, name = asked.question, asked.name
    options = range(len(question.options))
    try:
        if question.kind in ("rating", "recommend"):
            asked.value = _number(formdata.get(name), SCALES[question.kind])
        elif question.kind == "single":
            asked.value = _number(formdata.get(name), options)
        elif question.kind == "yes_no":
            asked.value = _number(formdata.get(name), (0, 1))
        elif question.kind == "multiple":
            chosen = {_number(raw, options) for raw in formdata.getlist(name)} - {None}
            asked.value = sorted(chosen) or None
        elif question.kind == "grid":
            rows = {row: _number(formdata.get(f"{name}-{row}"), SCALES["grid"])
                    for row in options}
            asked.value = {row: value for row, value in rows.items() if value is not None} or None
            if asked.value and question.required and len(asked.value) < len(options):
                asked.error = _l("Answer each statement.")
        else:
            text = normalise_lines(formdata.get(name) or "").strip()
            if not is_plain_text(text):
                asked.error = PLAIN_TEXT_MESSAGE
                text = shown_refused(text, multi_line=True)
            elif len(text) > TEXT_LIMIT:
                asked.error = _l("Please keep it under %(count)d characters.", count=TEXT_LIMIT)
            asked.value = text or None
    except ValueError:
        asked.value, asked.error = None, CHOOSE
    if not asked.error and asked.value is None and question.required:
        asked.error = (_l("Please write an answer.") if question.kind == "text"
                       else _l("Please answer this question."))


def read_answers(layout: list[Step], formdata) -> bool:
    """Fill each step's answers from the form; True when all of them can be stored."""
    for step in layout:
        for asked in step.asked:
            _read(asked, formdata)
    return not any(asked.error for step in layout for asked in step.asked)


def _rows(asked: Asked) -> list[dict]:
    kind, value = asked.question.kind, asked.value
    base = {"question_id": asked.question.id}
    if kind == "text":
        return [dict(base, text=value)]
    if kind == "multiple":
        return [dict(base, row=option, value=1) for option in value]
    if kind == "grid":
        return [dict(base, row=row, value=rating) for row, rating in value.items()]
    return [dict(base, value=value)]


def _group(registration: Registration) -> int | None:
    """The ticket type, when at least MIN_GROUP people with it were asked."""
    asked = db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == registration.event_id,
        Registration.ticket_type_id == registration.ticket_type_id,
        Registration.feedback_requested_at.is_not(None)))
    return registration.ticket_type_id if asked >= MIN_GROUP else None


def submit(registration: Registration, survey: Survey, layout: list[Step],
           now: datetime | None = None) -> None:
    """Store the answers read by read_answers, once per person."""
    event = registration.event
    today = event.today(now or utcnow())
    claimed = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.feedback_answered_on.is_(None))
        .values(feedback_answered_on=today)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise FeedbackError(_l("You have already answered."))
    group = _group(registration)
    responses = []
    for step in layout:
        given = [asked for asked in step.asked if asked.value is not None]
        if not given and step.item is not None:
            continue  # a session skipped leaves nothing behind
        response = SurveyResponse(survey_id=survey.id, answered_on=today,
                                  item_id=step.item.id if step.item else None,
                                  ticket_type_id=None if step.item else group)
        answers = [SurveyAnswer(hidden=False, **row) for asked in given for row in _rows(asked)]
        random.shuffle(answers)
        response.answers = answers
        responses.append(response)
    random.shuffle(responses)
    db.session.add_all(responses)
    db.session.flush()
