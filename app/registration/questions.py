"""The organiser's registration form: custom questions, the built-in optional fields, and the
rules for answers.

`answer_field(question, language)` turns a Question into an unbound WTForms field that any form
can carry (the public register form names it a<i>-q<question_id>, the attendee's edit form
q<question_id>); `answer_value(question, data)` turns the field's data into what Answer.value
stores, and `field_data(question, value)` turns a stored value back into field data.

kind        field                                   Answer.value
text        StringField, one line, <= 1000          "the text"
choice      RadioField (value = Swedish option)     "Ja, gärna"
multiple    CheckboxList (checkboxes)               ["Ja", "Kanske"]
yesno       BooleanField                            true / false

Required text, choice and multiple questions fail validation when left empty; a yes/no
question is a checkbox and an unticked box is the answer "no", so it is never "missing"
(services.check_answers agrees)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.i18n import Localized, localized, marked
from app.tickets.services import ticket_types_for
from app.validators import single_line

from .models import QUESTION_KINDS, Answer, Question, Registration
from .services import asked_questions, questions_for

ANSWER_MAX_LENGTH = 1000
FIELD_SETTINGS = ("off", "optional", "required")
BUILT_IN_FIELDS = ("organisation", "role", "phone")


class QuestionError(Refusal):
    status = 400


class CheckboxList(SelectMultipleField):
    """Several choices as checkboxes (the `field` macro in _forms.html renders it as a
    fieldset, by this class name)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def option_label(option: dict, language: str) -> Localized:
    if language != "sv" and option.get(language):
        return Localized(option[language], language)
    return Localized(option.get("sv", ""), "sv")


def help_text_in(question: Question, language: str) -> Localized:
    return localized(question, "help_text", language)


def _choices(question: Question, language: str, *, html: bool = False) -> list[tuple[str, str]]:
    """(stored Swedish value, label) of each option; for a form (`html`) the label is marked
    lang="sv" where an English form falls back to the Swedish text."""
    return [(option.get("sv", ""), marked(option_label(option, language), language) if html
             else option_label(option, language))
            for option in question.options or [] if option.get("sv")]


def answer_field(question: Question, language: str):
    """An unbound WTForms field asking `question` in `language` ("sv" or "en"). Its label is
    the question, its description the help text (pass it as the `field` macro's hint); both,
    and the options, are marked lang="sv" where the English text is missing."""
    label = marked(question.label_in(language), language)
    description = marked(help_text_in(question, language), language)
    message = _l("Please answer this question.")
    if question.kind == "choice":
        validators = [InputRequired(message=message)] if question.required else [Optional()]
        return RadioField(label, choices=_choices(question, language, html=True),
                          validators=validators,
                          description=description)
    if question.kind == "multiple":
        validators = [DataRequired(message=message)] if question.required else [Optional()]
        return CheckboxList(label, choices=_choices(question, language, html=True),
                            validators=validators,
                            description=description)
    if question.kind == "yesno":
        return BooleanField(label, description=description)
    validators = [DataRequired(message=message)] if question.required else [Optional()]
    validators += [Length(max=ANSWER_MAX_LENGTH), single_line()]
    return StringField(label, validators=validators, description=description)


def answer_value(question: Question, data):
    """What Answer.value stores for a field's data; None (or "" / []) means no answer."""
    if question.kind == "yesno":
        return bool(data)
    if question.kind == "multiple":
        wanted = set(data or [])
        # In the organiser's order, whatever order the browser sent them in.
        return [value for value, _label in _choices(question, "sv") if value in wanted]
    if question.kind == "choice":
        return data or None
    return (data or "").strip() or None


def field_data(question: Question, value):
    """A stored Answer.value as field data, for pre-filling a form."""
    if question.kind == "yesno":
        return bool(value)
    if question.kind == "multiple":
        return list(value or [])
    return value if value is not None else ""


def display_value(question: Question, value, language: str) -> str:
    """An answer as people read it, in `language`."""
    if value is None or value == "" or value == []:
        return ""
    if question.kind == "yesno":
        return _("Yes") if value else _("No")
    labels = {option.get("sv"): option_label(option, language)
              for option in question.options or []}
    if question.kind == "multiple":
        return ", ".join(labels.get(item, item) for item in value)
    if question.kind == "choice":
        return labels.get(value, value)
    return str(value)


# --- the organiser's questions -----------------------------------------------------------------

def parse_options(text: str) -> list[dict]:
    """One option a line, "Svenska | English" (the English half is optional)."""
    options = []
    seen = set()
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        swedish, _bar, english = line.partition("|")
        swedish, english = swedish.strip(), english.strip()
        if not swedish:
            raise QuestionError(_l("Each option needs its Swedish text before the |."))
        if len(swedish) > 200 or len(english) > 200:
            raise QuestionError(_l("An option can be at most 200 characters."))
        if swedish.lower() in seen:
            raise QuestionError(_l("The option \"%(option)s\" is there twice.", option=swedish))
        seen.add(swedish.lower())
        options.append({"sv": swedish, "en": english})
    return options


def format_options(options: list[dict]) -> str:
    return "\n".join(
        f"{option.get('sv', '')} | {option['en']}" if option.get("en") else option.get("sv", "")
        for option in options or []
    )


def question_or_none(event: Event, question_id: int) -> Question | None:
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id:
        return None
    return question


def _clean_ticket_type_ids(event: Event, ticket_type_ids) -> list[int]:
    valid = {ticket_type.id for ticket_type in ticket_types_for(event)}
    wanted = {int(value) for value in ticket_type_ids or []}
    if not wanted <= valid:
        raise QuestionError(_l("That ticket does not belong to this event."))
    return sorted(wanted)


def save_question(event: Event, question: Question | None, *, label: str, label_en: str = "",
                  help_text: str = "", help_text_en: str = "", kind: str = "text",
                  options_text: str = "", required: bool = False,
                  ticket_type_ids=(), sensitive: bool = False) -> Question:
    """Add (question None) or change a question; on refusal nothing is stored."""
    if kind not in QUESTION_KINDS:
        raise QuestionError(_l("Choose what kind of question it is."))
    if not (label or "").strip():
        raise QuestionError(_l("The question needs a Swedish text."))
    options = parse_options(options_text) if kind in ("choice", "multiple") else []
    if kind in ("choice", "multiple") and len(options) < 2:
        raise QuestionError(_l("A choice question needs at least two options, one per line."))
    ticket_type_ids = _clean_ticket_type_ids(event, ticket_type_ids)
    if question is None:
        last = db.session.scalar(
            select(func.max(Question.position)).where(Question.event_id == event.id))
        question = Question(event_id=event.id, position=(last or 0) + 1)
        db.session.add(question)
    elif question.kind != kind and answer_count(question):
        db.session.rollback()
        raise QuestionError(_l("This question already has answers, so its kind cannot change. "
                               "Add a new question instead."))
    question.label = label.strip()
    question.label_en = (label_en or "").strip()
    question.help_text = (help_text or "").strip()
    question.help_text_en = (help_text_en or "").strip()
    question.kind = kind
    question.options = options
    question.required = bool(required)
    question.ticket_type_ids = ticket_type_ids
    question.sensitive = bool(sensitive)
    db.session.flush()
    return question


def answer_count(question: Question) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Answer).where(Answer.question_id == question.id)
    ) or 0


def answer_counts(event: Event) -> dict[int, int]:
    rows = db.session.execute(
        select(Answer.question_id, func.count()).join(Question)
        .where(Question.event_id == event.id).group_by(Answer.question_id)
    )
    return dict(rows.all())


def delete_question(question: Question) -> int:
    """Delete a question and its answers; returns how many answers went with it."""
    count = answer_count(question)
    db.session.execute(
        Answer.__table__.delete().where(Answer.question_id == question.id))
    db.session.delete(question)
    db.session.flush()
    return count


def move_question(event: Event, question: Question, direction: str) -> bool:
    """Swap with the neighbour above ("up") or below ("down"); False at the end."""
    ordered = questions_for(event)
    # Positions may be equal or sparse (older rows); number them 1..n first.
    for position, each in enumerate(ordered, start=1):
        each.position = position
    index = next(i for i, each in enumerate(ordered) if each.id == question.id)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        db.session.flush()
        return False
    ordered[index].position, ordered[other].position = (
        ordered[other].position, ordered[index].position)
    db.session.flush()
    return True


def save_built_in_fields(event: Event, *, organisation: str, role: str, phone: str,
                         ask_sensitive: bool) -> None:
    if any(value not in FIELD_SETTINGS for value in (organisation, role, phone)):
        raise QuestionError(_l("Choose off, optional or required."))
    event.field_organisation = organisation
    event.field_role = role
    event.field_phone = phone
    event.ask_sensitive = bool(ask_sensitive)
    db.session.flush()


# --- answers -----------------------------------------------------------------------------------

def answers_by_question(registration: Registration) -> dict[int, object]:
    return {answer.question_id: answer.value for answer in registration.answers}


def set_answers(registration: Registration, answers: dict) -> None:
    """Replace the registration's answers to its ticket type's questions with `answers`
    (question id -> value). Part of the caller's transaction; validation is the caller's
    (services.check_answers)."""
    asked = {q.id for q in asked_questions(registration.event, registration.ticket_type_id)}
    existing = {answer.question_id: answer for answer in registration.answers}
    for question_id in asked:
        value = answers.get(question_id)
        answer = existing.get(question_id)
        if value is None or value == "" or value == []:
            if answer is not None:
                registration.answers.remove(answer)
        elif answer is None:
            registration.answers.append(Answer(question_id=question_id, value=value))
        else:
            answer.value = value


def clear_answers_of_event(event: Event) -> int:
    """Delete every answer to the event's questions; part of the caller's transaction."""
    question_ids = select(Question.id).where(Question.event_id == event.id)
    return db.session.execute(
        Answer.__table__.delete().where(Answer.question_id.in_(question_ids))
    ).rowcount
