"""The organiser's exports of an event's people: the attendee list with the columns they pick
(CSV or XLSX), the door's name list, badges on print sheets and the workshops' sign-up lists
(PDF or CSV).

Every export of personal data is logged (app.audit): who, what, how many rows or people, and
which columns. Sensitive columns (dietary and accessibility needs) are exported only when
picked by name, and the log says so. Text that people typed reaches a spreadsheet only
through app/spreadsheets.py (no cell runs as a formula); in XLSX numbers are numbers and
times are times, in the event's local time. Lists for paper are sorted by surname, as
Swedish sorts (å, ä, ö after z)."""

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import money
from app.audit.services import record
from app.badges.sheets import LAYOUTS, badge_sheets
from app.checkin.models import CheckIn
from app.db_types import utcnow
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.i18n import current_language, fmt_date, fmt_time
from app.orders.models import Order
from app.payments.invoicing import PAYMENT_STATUS_LABELS, REGISTRATION_STATUS_LABELS
from app.programme import signups
from app.registration.models import Answer, Registration
from app.registration.questions import display_value
from app.registration.services import questions_for
from app.spreadsheets import cell, xlsx_value
from app.tickets.models import TicketType

from .documents import ListRow, Section, name_lists_pdf

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")


class NothingToExport(Refusal):
    status = 404


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sensitive: bool = False
    width: int = 18  # in an XLSX sheet, in characters


@dataclass(frozen=True)
class Price:
    """What a seat cost, in öre: a number in XLSX, a decimal comma in CSV."""

    ore: int


@dataclass(frozen=True)
class Download:
    data: bytes
    filename: str
    mimetype: str
    rows: int


BUILT_IN = (
    Column("name", _l("Name"), width=28),
    Column("email", _l("Email"), width=30),
    Column("organisation", _l("Organisation"), width=28),
    Column("role", _l("Role"), width=20),
    Column("phone", _l("Phone"), width=16),
    Column("ticket_type", _l("Ticket type"), width=20),
    Column("status", _l("Status"), width=16),
    Column("order", _l("Order"), width=12),
    Column("payment", _l("Payment"), width=22),
    Column("price", _l("Price paid"), width=12),
    Column("checked_in", _l("Checked in"), width=17),
    Column("registered", _l("Registered"), width=17),
)
SENSITIVE = (
    Column("dietary_needs", _l("Dietary needs"), sensitive=True, width=30),
    Column("accessibility_needs", _l("Accessibility needs"), sensitive=True, width=30),
)
DEFAULT_COLUMNS = ("name", "email", "organisation", "ticket_type", "status")
WHO = {
    "confirmed": _l("Registered attendees"),
    "all": _l("Everyone, also cancelled and never completed registrations"),
}


# --- names, as people sort them ----------------------------------------------------------------

# Swedish alphabetical order: å, ä, ö after z (æ and ø as ä and ö, ü as y); other accents
# count as the plain letter.
_SWEDISH = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"})


def collation_key(text: str) -> str:
    folded = (text or "").casefold().translate(_SWEDISH)
    return "".join(c for c in unicodedata.normalize("NFD", folded)
                   if not unicodedata.combining(c))


def surname_first(name: str) -> tuple[str, str]:
    """(surname, given names): the last word is taken as the surname."""
    words = (name or "").split()
    if len(words) < 2:
        return (words[0] if words else "", "")
    return words[-1], " ".join(words[:-1])


def by_surname(name: str) -> tuple[str, str]:
    surname, given = surname_first(name)
    return collation_key(surname), collation_key(given)


def listed_name(name: str) -> str:
    """"Persson, Alva": how a list sorted by surname shows a name."""
    surname, given = surname_first(name)
    return f"{surname}, {given}" if given else surname


def _local(event: Event, instant: datetime | None) -> datetime | None:
    """The event's wall-clock time, without a zone (spreadsheets hold no zones)."""
    if instant is None:
        return None
    return event.local(instant).replace(tzinfo=None, microsecond=0)


def _printed(event: Event) -> str:
    now = utcnow()
    return _("printed %(date)s %(time)s", date=fmt_date(event.local_day(now), "short"),
             time=fmt_time(now, event.timezone))


# --- the attendee list ---------------------------------------------------------------------

def columns_for(event: Event) -> tuple[list[Column], list[Column]]:
    """The columns an organiser can pick: the built-in ones and one per question of the
    registration form, and (apart) the sensitive ones: the needs, and the questions the
    organiser marked sensitive."""
    language = current_language()
    questions = [Column(f"q{question.id}", question.label_in(language),
                        sensitive=question.sensitive, width=24)
                 for question in questions_for(event)]
    return (list(BUILT_IN) + [column for column in questions if not column.sensitive],
            list(SENSITIVE) + [column for column in questions if column.sensitive])


def _checked_in(event: Event):
    """When each of the event's registrations was checked in (its first live check-in), one
    row per registration however many check-ins it has."""
    return (select(CheckIn.registration_id, func.min(CheckIn.checked_in_at).label("at"))
            .where(CheckIn.event_id == event.id, CheckIn.arrived())
            .group_by(CheckIn.registration_id).subquery())


def _attendee_rows(event: Event, who: str):
    checked_in = _checked_in(event)
    query = (
        select(Registration.id, Registration.name, Registration.email,
               Registration.organisation, Registration.role, Registration.phone,
               Registration.status, Registration.price_ore, Registration.created_at,
               Registration.dietary_needs, Registration.accessibility_needs,
               TicketType.name.label("ticket_type"), Order.code.label("order"),
               Order.payment_status, checked_in.c.at.label("checked_in_at"))
        .join(TicketType, TicketType.id == Registration.ticket_type_id)
        .outerjoin(Order, Order.id == Registration.order_id)
        .outerjoin(checked_in, checked_in.c.registration_id == Registration.id)
        .where(Registration.event_id == event.id)
        .order_by(Registration.created_at, Registration.id)
    )
    if who == "confirmed":
        query = query.where(Registration.status == "confirmed")
    return db.session.execute(query).all()


def _answers(event: Event, question_ids: list[int]) -> dict[tuple[int, int], object]:
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(Answer.registration_id, Answer.question_id, Answer.value)
        .join(Registration, Registration.id == Answer.registration_id)
        .where(Registration.event_id == event.id, Answer.question_id.in_(question_ids)))
    return {(registration_id, question_id): value
            for registration_id, question_id, value in rows}


def _getters(event: Event, chosen: list[Column], answers: dict) -> list:
    """One function per chosen column, from a row of _attendee_rows to the cell's value."""
    language = current_language()
    statuses = {key: str(label) for key, label in REGISTRATION_STATUS_LABELS.items()}
    payments = {key: str(label) for key, label in PAYMENT_STATUS_LABELS.items()}
    questions = {f"q{question.id}": question for question in questions_for(event)}
    simple = {
        "name": lambda row: row.name,
        "email": lambda row: row.email,
        "organisation": lambda row: row.organisation,
        "role": lambda row: row.role,
        "phone": lambda row: row.phone,
        "ticket_type": lambda row: row.ticket_type,
        "status": lambda row: statuses.get(row.status, row.status),
        "order": lambda row: row.order or "",
        "payment": lambda row: payments.get(row.payment_status, "") if row.order else "",
        "price": lambda row: Price(row.price_ore),
        "checked_in": lambda row: _local(event, row.checked_in_at),
        "registered": lambda row: _local(event, row.created_at),
        "dietary_needs": lambda row: row.dietary_needs,
        "accessibility_needs": lambda row: row.accessibility_needs,
    }

    def answer(question):
        return lambda row: display_value(question, answers.get((row.id, question.id)),
                                         language)

    return [simple[column.key] if column.key in simple else answer(questions[column.key])
            for column in chosen]


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Price):
        return money.for_csv(value.ore)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return cell(str(value))


def write_csv(labels: list[str], rows) -> bytes:
    """Semicolon-separated (what Excel with Swedish settings opens into columns), UTF-8 with a
    byte order mark so Excel reads å, ä and ö."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([cell(label) for label in labels])
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, value):
    if isinstance(value, Price):
        typed = WriteOnlyCell(sheet, money.for_spreadsheet(value.ore))
        typed.number_format = "#,##0.00"
        return typed
    if isinstance(value, datetime):
        typed = WriteOnlyCell(sheet, value)
        typed.number_format = "yyyy-mm-dd hh:mm"
        return typed
    return xlsx_value(value)


def write_xlsx(title: str, columns: list[Column], rows: list) -> bytes:
    """One sheet, written as it goes (openpyxl's write-only mode keeps memory flat): a bold
    header row that stays in view, filters on every column."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    bold = Font(bold=True)
    header = []
    for column in columns:
        heading = WriteOnlyCell(sheet, xlsx_value(str(column.label)))
        heading.font = bold
        header.append(heading)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_attendees(event: Event, user, keys: list[str], file_format: str,
                     who: str = "confirmed") -> Download:
    """The event's registrations with the columns `keys` (in the order the page lists them),
    as "csv" or "xlsx"; logged."""
    ordinary, sensitive = columns_for(event)
    chosen = [column for column in ordinary + sensitive if column.key in set(keys)]
    if not chosen:
        raise Refusal(_l("Choose at least one column."), 400)
    question_ids = [int(column.key[1:]) for column in chosen if column.key.startswith("q")]
    rows = _attendee_rows(event, who)
    getters = _getters(event, chosen, _answers(event, question_ids))
    values = [[get(row) for get in getters] for row in rows]
    if file_format == "xlsx":
        data = write_xlsx(_("Attendees"), chosen, values)
        mimetype = XLSX_TYPE
    else:
        data = write_csv([str(column.label) for column in chosen], values)
        mimetype = CSV_TYPE
    detail = {"format": file_format.upper(), "rows": len(values), "statuses": str(WHO[who]),
              "columns": [str(c.label) for c in chosen if not c.sensitive]}
    if any(column.sensitive for column in chosen):
        detail["sensitive_columns"] = [str(c.label) for c in chosen if c.sensitive]
    record(event, user, "export.attendees", detail)
    return Download(data, f"{event.slug}-attendees.{file_format}", mimetype, len(values))


# --- paper: the door list, badges, sign-up lists --------------------------------------------

def door_list(event: Event, user) -> Download:
    """Everyone registered, by surname, with organisation, ticket type and a box to tick
    (ticked for who is already checked in when it is printed); logged."""
    checked_in = _checked_in(event)
    rows = db.session.execute(
        select(Registration.name, Registration.organisation,
               TicketType.name.label("ticket_type"), checked_in.c.at.label("check_in"))
        .join(TicketType, TicketType.id == Registration.ticket_type_id)
        .outerjoin(checked_in, checked_in.c.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
    ).all()
    rows.sort(key=lambda row: by_surname(row.name))
    section = Section(
        heading=_("%(event)s: door list", event=event.name),
        subheading=" · ".join([_("%(count)d registered", count=len(rows)), _printed(event)]),
        columns=((_("Name"), 0.42), (_("Organisation"), 0.34), (_("Ticket type"), 0.24)),
        rows=tuple(ListRow((listed_name(row.name), row.organisation, row.ticket_type),
                           row.check_in is not None) for row in rows),
        empty=_("Nobody is registered yet."),
    )
    data = name_lists_pdf(_("Door list"), [section])
    record(event, user, "export.door_list", {"format": "PDF", "people": len(rows)})
    return Download(data, f"{event.slug}-door-list.pdf", "application/pdf", len(rows))


def badges(event: Event, user, layout_key: str) -> Download:
    """Every registered attendee's badge, by surname, on sheets of the chosen layout;
    logged."""
    layout = LAYOUTS[layout_key]
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
        .options(selectinload(Registration.ticket_type), selectinload(Registration.event))
    ).all()
    if not registrations:
        raise NothingToExport(_l("Nobody is registered yet, so there are no badges to print."))
    registrations = sorted(registrations, key=lambda r: (by_surname(r.name), r.id))
    data, _pages = badge_sheets(registrations, layout)
    record(event, user, "export.badges",
           {"format": "PDF", "layout": str(layout.label), "people": len(registrations)})
    return Download(data, f"{event.slug}-badges-{layout.key}.pdf", "application/pdf",
                    len(registrations))


def signup_items(event: Event) -> list:
    return signups.signup_items(event)


def _item_when(event: Event, item) -> str:
    return (f"{fmt_date(event.local_day(item.starts_at), 'short')} "
            f"{fmt_time(item.starts_at, event.timezone)}–{fmt_time(item.ends_at, event.timezone)}")


def signup_lists(event: Event, user, file_format: str, item_id: int | None = None) -> Download:
    """Who signed up for each workshop (or for the one with `item_id`), as a PDF with a page
    per workshop and a box to tick, or one CSV; logged."""
    items = signups.signup_items(event)
    if item_id is not None:
        items = [item for item in items if item.id == item_id]
        if not items:
            raise NothingToExport(_l("The event has no such programme item with sign-ups."))
    if not items:
        raise NothingToExport(_l("No programme item takes sign-ups."))
    lists = [(item, sorted(signups.signups_of(item),
                           key=lambda s: (by_surname(s.registration.name), s.id)))
             for item in items]
    people = sum(len(signed) for _item, signed in lists)
    if file_format == "csv":
        data = write_csv(
            [_("Item"), _("Starts"), _("Room"), _("Name"), _("Email"), _("Organisation"),
             _("Signed up at")],
            [[item.title, _local(event, item.starts_at), item.room.name if item.room else "",
              s.registration.name, s.registration.email, s.registration.organisation,
              _local(event, s.created_at)]
             for item, signed in lists for s in signed])
        mimetype = CSV_TYPE
    else:
        sections = []
        for item, signed in lists:
            limit = signups.limit_of(item)
            facts = [_item_when(event, item)]
            if item.room:
                facts.append(item.room.name)
            facts.append(_("%(count)d signed up", count=len(signed)) if limit is None else
                         _("%(count)d of %(limit)d seats taken", count=len(signed),
                           limit=limit))
            if item.cancelled:
                facts.append(_("Cancelled"))
            facts.append(_printed(event))
            sections.append(Section(
                heading=item.title, subheading=" · ".join(facts),
                columns=((_("Name"), 0.45), (_("Organisation"), 0.55)),
                rows=tuple(ListRow((listed_name(s.registration.name),
                                    s.registration.organisation)) for s in signed),
                empty=_("Nobody has signed up yet.")))
        data = name_lists_pdf(_("Sign-up lists"), sections)
        mimetype = "application/pdf"
    record(event, user, "export.signups", {"format": file_format.upper(),
                                           "items": [item.title for item in items],
                                           "people": people})
    suffix = f"-{items[0].id}" if item_id is not None else ""
    return Download(data, f"{event.slug}-signups{suffix}.{file_format}", mimetype, people)
