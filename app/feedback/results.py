"""A survey's results: per question the number of answers, the distribution, mean and median,
for the whole event, one programme item or one ticket type; free texts with moderation; a
comparison with an earlier event of the same organiser; CSV and XLSX. Nothing is shown for
fewer than MIN_GROUP responses. The figures come from a fixed handful of aggregate queries,
however many people answered."""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import case, func, select

from app.events.models import Event
from app.extensions import db
from app.i18n import localized
from app.programme.models import ProgrammeItem
from app.spreadsheets import cell, xlsx_value
from app.tickets.models import TicketType

from .models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from .services import MIN_GROUP, survey_for

TEXTS_SHOWN = 50  # free texts per question on the results page; the rest on its own page
SCALE_LABELS = {"rating": range(1, 6), "grid": range(1, 6), "recommend": range(0, 11),
                "yes_no": (1, 0)}


@dataclass
class Bar:
    label: str
    value: int | None
    count: int
    share: float  # of the answers to this question (or statement), 0..1


@dataclass
class Figures:
    answered: int
    bars: list[Bar]
    mean: float | None
    median: float | None


@dataclass
class Text:
    id: str
    text: str
    hidden: bool
    item: str = ""


@dataclass
class QuestionResult:
    question: SurveyQuestion
    figures: Figures | None = None  # None for free text
    rows: list[tuple[str, Figures]] = field(default_factory=list)  # a grid's statements
    texts: list[Text] = field(default_factory=list)
    texts_total: int = 0
    hidden: int = 0


@dataclass
class ItemRow:
    item: ProgrammeItem
    responses: int
    mean: float | None  # of the first scale question asked per session


@dataclass
class Results:
    responses: int
    enough: bool
    questions: list[QuestionResult]
    items: list[ItemRow] = field(default_factory=list)
    groups: list[tuple[TicketType, int]] = field(default_factory=list)


def _labels(question: SurveyQuestion) -> list[tuple[int, str]]:
    if question.kind in ("single", "multiple"):
        return [(n, localized_option(option)) for n, option in enumerate(question.options)]
    if question.kind == "yes_no":
        return [(1, _l("Yes")), (0, _l("No"))]
    return [(n, str(n)) for n in SCALE_LABELS[question.kind]]


def localized_option(option: dict) -> str:
    return localized(_Option(option), "text")


class _Option:
    """An option as an object with text and text_en, for localized()."""

    def __init__(self, option: dict):
        self.text, self.text_en = option.get("sv", ""), option.get("en", "")


def figures(question: SurveyQuestion, counts: dict[int, int], answered: int) -> Figures:
    labels = _labels(question)
    total = sum(counts.values())
    bars = [Bar(label, value, counts.get(value, 0),
                counts.get(value, 0) / (answered if question.kind == "multiple" else total)
                if total else 0.0) for value, label in labels]
    mean = median = None
    if question.kind in ("rating", "recommend", "grid", "yes_no") and total:
        mean = sum(value * count for value, count in counts.items()) / total
        median = _median(counts, total)
    return Figures(answered, bars, mean, median)


def _median(counts: dict[int, int], total: int) -> float:
    """The median of the values `counts` holds (value -> how many), without listing them."""
    ordered = sorted(counts.items())

    def at(position: int) -> int:  # the value at 0-based `position` in sorted order
        seen = 0
        for value, count in ordered:
            seen += count
            if position < seen:
                return value
        return ordered[-1][0]

    middle = total // 2
    return float(at(middle)) if total % 2 else (at(middle - 1) + at(middle)) / 2


def _scope(survey: Survey, item_id: int | None, ticket_type_id: int | None, sessions: bool):
    """The responses counted: about the event or about sessions (one item or all). A
    question is either about the event or per session, so its answers need the responses
    only to narrow them to one item or one ticket type (`narrowed`)."""
    conditions = [SurveyResponse.survey_id == survey.id]
    if sessions:
        conditions.append(SurveyResponse.item_id == item_id if item_id
                          else SurveyResponse.item_id.is_not(None))
    else:
        conditions.append(SurveyResponse.item_id.is_(None))
        if ticket_type_id:
            conditions.append(SurveyResponse.ticket_type_id == ticket_type_id)
    return Scope(conditions, bool(item_id or ticket_type_id))


@dataclass(frozen=True)
class Scope:
    conditions: list
    narrowed: bool


def _question_results(survey: Survey, questions: list[SurveyQuestion], scope: Scope,
                      texts_limit: int | None = TEXTS_SHOWN, with_hidden: bool = True,
                      titles: dict[int, str] | None = None) -> tuple[int, list[QuestionResult]]:
    """A fixed number of queries: the responses, one aggregate of every value, the people
    who answered each several-value question, and each free-text question's texts."""
    responses = db.session.scalar(select(func.count()).select_from(SurveyResponse)
                                  .where(*scope.conditions))
    ids = [q.id for q in questions]
    if not ids or responses < MIN_GROUP:
        return responses, []
    within = [SurveyAnswer.question_id.in_(ids)]
    if scope.narrowed:
        within.append(SurveyAnswer.response_id.in_(
            select(SurveyResponse.id).where(*scope.conditions)))
    counts: dict[tuple[int, int | None], dict[int | None, int]] = {}
    answered: dict[int, int] = {}
    hidden: dict[int, int] = {}
    for question_id, row, value, count, hidden_count in db.session.execute(
            select(SurveyAnswer.question_id, SurveyAnswer.row, SurveyAnswer.value, func.count(),
                   func.sum(case((SurveyAnswer.hidden.is_(True), 1), else_=0)))
            .where(*within)
            .group_by(SurveyAnswer.question_id, SurveyAnswer.row, SurveyAnswer.value)):
        counts.setdefault((question_id, row), {})[value] = count
        answered[question_id] = answered.get(question_id, 0) + count
        hidden[question_id] = hidden.get(question_id, 0) + (hidden_count or 0)
    several = [q.id for q in questions if q.kind in ("multiple", "grid")]
    if several:
        answered.update(db.session.execute(
            select(SurveyAnswer.question_id, func.count(func.distinct(SurveyAnswer.response_id)))
            .where(*within, SurveyAnswer.question_id.in_(several))
            .group_by(SurveyAnswer.question_id)).all())
    texts: dict[int, list[Text]] = {}
    for question in questions:
        if question.kind != "text" or texts_limit == 0:
            continue
        query = (select(SurveyAnswer.id, SurveyAnswer.text, SurveyAnswer.hidden,
                        SurveyAnswer.response_id)
                 .where(*within, SurveyAnswer.question_id == question.id,
                        SurveyAnswer.row.is_(None), SurveyAnswer.value.is_(None))
                 # The covering index's order: shown ones first, then by the random key.
                 .order_by(SurveyAnswer.hidden, SurveyAnswer.response_id))
        if not with_hidden:
            query = query.where(SurveyAnswer.hidden.is_(False))
        if texts_limit is not None:
            query = query.limit(texts_limit)
        found = db.session.execute(query).all()
        items = {}
        if titles and question.per_session and found:
            items = dict(db.session.execute(select(SurveyResponse.id, SurveyResponse.item_id)
                                            .where(SurveyResponse.id.in_([f[3] for f in found]))
                                            ).all())
        texts[question.id] = [Text(answer_id, text, is_hidden,
                                   (titles or {}).get(items.get(response_id), ""))
                              for answer_id, text, is_hidden, response_id in found]
    results = []
    for question in questions:
        result = QuestionResult(question, hidden=hidden.get(question.id, 0))
        if question.kind == "text":
            result.texts = texts.get(question.id, [])
            result.texts_total = answered.get(question.id, 0) - (
                0 if with_hidden else result.hidden)
        elif question.kind == "grid":
            result.rows = [
                (localized_option(option),
                 figures(question, counts.get((question.id, row), {}),
                         sum(counts.get((question.id, row), {}).values())))
                for row, option in enumerate(question.options)]
            result.figures = Figures(answered.get(question.id, 0), [], None, None)
        elif question.kind == "multiple":
            chosen = {row: count for (qid, row), values in counts.items() if qid == question.id
                      for count in values.values()}
            result.figures = figures(question, chosen, answered.get(question.id, 0))
        else:
            result.figures = figures(question, counts.get((question.id, None), {}),
                                     answered.get(question.id, 0))
        results.append(result)
    return responses, results


def _items(survey: Survey) -> list[ItemRow]:
    """Each programme item with its number of responses and the mean of its first scale."""
    scale = next((q for q in survey.questions if q.per_session
                  and q.kind in ("rating", "recommend")), None)
    counts = dict(db.session.execute(
        select(SurveyResponse.item_id, func.count())
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.item_id.is_not(None))
        .group_by(SurveyResponse.item_id)).all())
    means = {}
    if scale is not None:
        means = dict(db.session.execute(
            select(SurveyResponse.item_id, func.avg(SurveyAnswer.value))
            .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
            .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.question_id == scale.id)
            .group_by(SurveyResponse.item_id)).all())
    items = db.session.scalars(select(ProgrammeItem).where(ProgrammeItem.id.in_(list(counts)))
                               .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)).all()
    return [ItemRow(item, counts[item.id],
                    float(means[item.id]) if counts[item.id] >= MIN_GROUP
                    and means.get(item.id) is not None else None) for item in items]


def _groups(survey: Survey) -> list[tuple[TicketType, int]]:
    rows = db.session.execute(
        select(TicketType, func.count(SurveyResponse.id))
        .join(SurveyResponse, SurveyResponse.ticket_type_id == TicketType.id)
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.item_id.is_(None))
        .group_by(TicketType.id).order_by(TicketType.position, TicketType.id)).all()
    return [(ticket, count) for ticket, count in rows if count >= MIN_GROUP]


def results(survey: Survey, item_id: int | None = None,
            ticket_type_id: int | None = None) -> Results:
    """The results page: the event's questions (perhaps for one ticket type) and the
    per-session ones over all items, or only the per-session ones for one item."""
    general = [q for q in survey.questions if not q.per_session]
    per_session = [q for q in survey.questions if q.per_session]
    if item_id:
        count, questions = _question_results(survey, per_session,
                                             _scope(survey, item_id, None, True))
        return Results(count, count >= MIN_GROUP, questions)
    count, questions = _question_results(survey, general,
                                         _scope(survey, None, ticket_type_id, False))
    result = Results(count, count >= MIN_GROUP, questions, groups=_groups(survey))
    if per_session and not ticket_type_id:
        result.items = _items(survey)
        titles = {row.item.id: localized(row.item, "title") for row in result.items}
        _count, session_questions = _question_results(
            survey, per_session, _scope(survey, None, None, True), titles=titles)
        result.questions += session_questions
    return result


def texts(survey: Survey, question: SurveyQuestion) -> QuestionResult | None:
    """Every free text of one question, for moderation."""
    titles = {item.id: localized(item, "title") for item in db.session.scalars(
        select(ProgrammeItem).where(ProgrammeItem.event_id == survey.event_id))}
    scope = _scope(survey, None, None, question.per_session)
    _count, found = _question_results(survey, [question], scope, texts_limit=None,
                                      titles=titles)
    return found[0] if found else None


def set_hidden(survey: Survey, answer_id: str, hidden: bool) -> bool:
    answer = db.session.scalar(
        select(SurveyAnswer).join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyAnswer.id == answer_id, SurveyResponse.survey_id == survey.id,
               SurveyAnswer.text.is_not(None)))
    if answer is None:
        return False
    answer.hidden = hidden
    db.session.flush()
    return True


def for_speaker(survey: Survey | None, items: list[ProgrammeItem]) -> list[tuple]:
    """(item, Results) for each of a speaker's items, once released; moderated texts only."""
    if survey is None or not survey.released_to_speakers:
        return []
    per_session = [q for q in survey.questions if q.per_session]
    found = []
    for item in items:
        count, questions = _question_results(survey, per_session,
                                             _scope(survey, item.id, None, True),
                                             texts_limit=None, with_hidden=False)
        found.append((item, Results(count, count >= MIN_GROUP, questions)))
    return found


# --- comparison --------------------------------------------------------------------------------

@dataclass
class Compared:
    question: SurveyQuestion
    mean: float | None
    earlier_mean: float | None


def earlier_events(event: Event) -> list[Event]:
    """The same organiser's events that ended before this one began and had a survey."""
    if not event.organiser_name:
        return []
    return db.session.scalars(
        select(Event).join(Survey, Survey.event_id == Event.id)
        .where(Event.organiser_name == event.organiser_name, Event.id != event.id,
               Event.ends_on < event.starts_on)
        .order_by(Event.ends_on.desc())).all()


def _means(survey: Survey) -> dict[tuple[str, str], float | None]:
    scales = [q for q in survey.questions
              if not q.per_session and q.kind in ("rating", "recommend", "yes_no")]
    _count, found = _question_results(survey, scales, _scope(survey, None, None, False),
                                      texts_limit=0)
    return {(r.question.kind, r.question.text): r.figures.mean for r in found}


def compare(survey: Survey, earlier: Event) -> list[Compared]:
    """The scale questions both surveys ask (the same kind and Swedish text), side by side."""
    other = survey_for(earlier)
    if other is None:
        return []
    mine, theirs = _means(survey), _means(other)
    return [Compared(q, mine.get((q.kind, q.text)), theirs[(q.kind, q.text)])
            for q in survey.questions if (q.kind, q.text) in theirs]


# --- export ------------------------------------------------------------------------------------

def table(survey: Survey, yes: str, no: str) -> list[list] | None:
    """One row per response (in the random order of their keys), one column per question or
    grid statement; hidden texts, and sessions with fewer than MIN_GROUP answers, left out.
    None when fewer than MIN_GROUP answered."""
    total = db.session.scalar(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.item_id.is_(None)))
    if total < MIN_GROUP:
        return None
    columns: list[tuple[int, int | None]] = []
    header = ["session", "ticket_type"]
    for question in survey.questions:
        if question.kind == "grid":
            for row, option in enumerate(question.options):
                columns.append((question.id, row))
                header.append(f"{localized(question, 'text')}: {localized_option(option)}")
        else:
            columns.append((question.id, None))
            header.append(localized(question, "text"))
    position = {column: n for n, column in enumerate(columns)}
    by_id = {q.id: q for q in survey.questions}
    titles = {item.id: localized(item, "title") for item in db.session.scalars(
        select(ProgrammeItem).where(ProgrammeItem.event_id == survey.event_id))}
    tickets = {t.id: localized(t, "name") for t in db.session.scalars(
        select(TicketType).where(TicketType.event_id == survey.event_id))}
    # Sessions and ticket types fewer than MIN_GROUP answered about are left out, as on the page.
    small_items = {item_id for item_id, count in db.session.execute(
        select(SurveyResponse.item_id, func.count())
        .where(SurveyResponse.survey_id == survey.id, SurveyResponse.item_id.is_not(None))
        .group_by(SurveyResponse.item_id)) if count < MIN_GROUP}
    shown_groups = {ticket.id for ticket, _count in _groups(survey)}
    rows: dict[str, list] = {}
    for response_id, item_id, ticket_type_id, question_id, row, value, text, hidden in (
            db.session.execute(
                select(SurveyResponse.id, SurveyResponse.item_id, SurveyResponse.ticket_type_id,
                       SurveyAnswer.question_id, SurveyAnswer.row, SurveyAnswer.value,
                       SurveyAnswer.text, SurveyAnswer.hidden)
                .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                .where(SurveyResponse.survey_id == survey.id)
                .order_by(SurveyResponse.id))):
        if item_id in small_items:
            continue
        group = tickets.get(ticket_type_id, "") if ticket_type_id in shown_groups else ""
        line = rows.setdefault(response_id, [titles.get(item_id, ""), group]
                               + [None] * len(columns))
        question = by_id[question_id]
        if question.kind == "text":
            if not hidden:
                line[2 + position[(question_id, None)]] = text
        elif question.kind == "grid":
            line[2 + position[(question_id, row)]] = value
        elif question.kind == "multiple":
            index = 2 + position[(question_id, None)]
            chosen = localized_option(question.options[row])
            line[index] = f"{line[index]}; {chosen}" if line[index] else chosen
        elif question.kind == "single":
            line[2 + position[(question_id, None)]] = localized_option(question.options[value])
        elif question.kind == "yes_no":
            line[2 + position[(question_id, None)]] = yes if value else no
        else:
            line[2 + position[(question_id, None)]] = value
    return [header, *rows.values()]


def as_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else v if isinstance(v, int) else cell(str(v))
                         for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(rows: list[list], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Survey"
    for row in rows:
        sheet.append([xlsx_value(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
