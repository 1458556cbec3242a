"""The organiser's attendee list as the database answers it: the list's GET parameters read
into a `ListQuery`, and one page of an event's registrations that meet its filters, in the
chosen order, with their ticket, order, payment and live check-in, and how many meet the
filters in all.

Every parameter is optional. A value the form does not offer (a ticket type of another
event, an unknown sort, a page that is not a number) is ignored, so a link edited by hand
shows the list without that filter, and the form shows which filters apply; nothing a
browser sends makes an error.

Four queries whatever the size of the event (the count, the page, its answers and the
event's questions), so it stays fast with thousands of registrations: the search compares
the stored folded text and the order the stored sort keys (app/registration/search.py); the
page's 50 ids are chosen from the registrations alone, and only those rows are joined to
their orders and check-ins and leave the database."""

from dataclasses import asdict, dataclass, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.checkin.lists import live_check_ins
from app.checkin.models import CheckIn
from app.events.models import Event
from app.extensions import db
from app.orders.models import PAYMENT_STATUSES, Order
from app.programme.models import ProgrammeItem, SessionSignup
from app.programme.signups import signup_items
from app.tickets.models import TicketType
from app.tickets.services import ticket_types_for

from . import search
from .models import Registration
from .questions import display_value
from .services import questions_for

MAX_QUERY = 200
MAX_PAGE = 100_000
STATUSES = ("confirmed", "pending", "cancelled", "expired")
CHECKED_IN = ("yes", "no")
NEEDS = ("any", "dietary", "accessibility", "none")
# name: by first name; surname: by last name; newest and oldest: by when they registered;
# ticket: by ticket type in the organiser's order, then surname.
SORTS = ("name", "surname", "newest", "oldest", "ticket")
DEFAULT_SORT = "name"
SORT_LABELS = {"name": _l("Name"), "surname": _l("Surname"), "newest": _l("Newest first"),
               "oldest": _l("Oldest first"), "ticket": _l("Ticket type")}
CHECKED_IN_LABELS = {"yes": _l("Checked in"), "no": _l("Not checked in")}
NEEDS_LABELS = {"any": _l("Some need given"), "dietary": _l("Dietary needs given"),
                "accessibility": _l("Accessibility needs given"), "none": _l("No needs given")}


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    ticket: int | None = None
    status: str = ""
    payment: str = ""
    checked_in: str = ""
    item: int | None = None
    needs: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the list (sorting and paging do not)."""
        return any((self.q, self.ticket, self.status, self.payment, self.checked_in,
                    self.item, self.needs))

    def args(self, **changes) -> dict:
        """The query as URL parameters, leaving out what is as by default, for url_for: the
        links of the pages and sorts keep every filter."""
        values = asdict(replace(self, **changes))
        defaults = asdict(ListQuery())
        return {key: value for key, value in values.items() if value != defaults[key]}


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _one_of(text: str | None, allowed) -> str:
    return text if text in allowed else ""


def read_query(args, ticket_ids, item_ids) -> ListQuery:
    """The list's parameters from `args` (request.args). `ticket_ids` and `item_ids` are what
    the event offers to filter by: its ticket types and its items that take sign-ups."""
    ticket, item, page = _int(args.get("ticket")), _int(args.get("item")), _int(args.get("page"))
    return ListQuery(
        q=" ".join(args.get("q", "").split())[:MAX_QUERY],
        ticket=ticket if ticket in ticket_ids else None,
        status=_one_of(args.get("status"), STATUSES),
        payment=_one_of(args.get("payment"), PAYMENT_STATUSES),
        checked_in=_one_of(args.get("checked_in"), CHECKED_IN),
        item=item if item in item_ids else None,
        needs=_one_of(args.get("needs"), NEEDS),
        sort=_one_of(args.get("sort"), SORTS) or DEFAULT_SORT,
        page=min(max(page or 1, 1), MAX_PAGE),
    )


# --- the page ----------------------------------------------------------------------------

PAGE_SIZE = 50


@dataclass
class Row:
    """One attendee on the list."""

    registration: Registration
    ticket: TicketType
    order_code: str
    payment_status: str  # the order's; "none" for a registration without an order
    checked_in_at: datetime | None  # of the live check-in, UTC
    answers: list[tuple[str, str]]  # (question, answer) as people read them


@dataclass
class Page:
    rows: list[Row]
    total: int  # registrations meeting the filters
    page: int
    pages: int


@dataclass
class Choices:
    """What the event offers to filter by."""

    tickets: list[TicketType]
    items: list[ProgrammeItem]  # the items that take sign-ups

    @property
    def ticket_ids(self) -> set[int]:
        return {ticket.id for ticket in self.tickets}

    @property
    def item_ids(self) -> set[int]:
        return {item.id for item in self.items}


def choices(event: Event) -> Choices:
    return Choices(tickets=ticket_types_for(event), items=signup_items(event))


def _conditions(event: Event, query: ListQuery) -> list:
    conditions = [Registration.event_id == event.id]
    if query.q:
        matching = search.matching(query.q)
        if matching is not None:
            conditions.append(matching)
    if query.ticket is not None:
        conditions.append(Registration.ticket_type_id == query.ticket)
    if query.status:
        conditions.append(Registration.status == query.status)
    if query.payment:
        paid = select(Order.id).where(Order.event_id == event.id,
                                      Order.payment_status == query.payment)
        in_order = Registration.order_id.in_(paid)
        # A registration from before orders existed had nothing to pay.
        conditions.append(or_(in_order, Registration.order_id.is_(None))
                          if query.payment == "none" else in_order)
    # IN and NOT IN lists PostgreSQL hashes once, whatever its statistics of the day's
    # check-ins say (NOT EXISTS may be planned as a scan of them for every registration).
    if query.checked_in:
        came = live_check_ins().with_only_columns(CheckIn.registration_id).where(
            CheckIn.event_id == event.id)
        conditions.append(Registration.id.in_(came) if query.checked_in == "yes"
                          else Registration.id.not_in(came))
    if query.item is not None:
        conditions.append(Registration.id.in_(
            select(SessionSignup.registration_id).where(SessionSignup.item_id == query.item)))
    if query.needs:
        dietary, access = Registration.dietary_needs != "", Registration.accessibility_needs != ""
        conditions.append({
            "any": or_(dietary, access), "dietary": dietary, "accessibility": access,
            "none": and_(~dietary, ~access),
        }[query.needs])
    return conditions


def _order(sort: str) -> list:
    """ORDER BY for a sort, each ending in the id so equal names keep one order from page to
    page. Names in the Swedish alphabet, by the stored sort keys."""
    return {
        "name": [Registration.name_key, Registration.id],
        "surname": [Registration.surname_key, Registration.id],
        "newest": [Registration.created_at.desc(), Registration.id.desc()],
        "oldest": [Registration.created_at, Registration.id],
        "ticket": [TicketType.position, TicketType.id, Registration.surname_key,
                   Registration.id],
    }[sort]


def attendee_page(event: Event, query: ListQuery, language: str) -> Page:
    """The page of the list `query` asks for (the last one when it asks for one past it)."""
    conditions = _conditions(event, query)
    total = db.session.scalar(select(func.count()).select_from(Registration).where(*conditions))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(query.page, pages)
    # The page's ids first, from the registrations alone (ticket types joined to sort by
    # them); then only those rows are joined to their orders and check-ins.
    ids = select(Registration.id).where(*conditions)
    if query.sort == "ticket":
        ids = ids.join(TicketType, TicketType.id == Registration.ticket_type_id)
    ids = ids.order_by(*_order(query.sort)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    live = live_check_ins().where(CheckIn.event_id == event.id).subquery()
    found = db.session.execute(
        select(Registration, TicketType, Order.code, Order.payment_status, live.c.checked_in_at)
        .join(TicketType, TicketType.id == Registration.ticket_type_id)
        .outerjoin(Order, Order.id == Registration.order_id)
        .outerjoin(live, live.c.registration_id == Registration.id)
        .where(Registration.id.in_(ids.scalar_subquery()))
        .order_by(*_order(query.sort))
        .options(selectinload(Registration.answers))
    ).all()
    questions = questions_for(event)
    return Page(rows=[
        Row(registration, ticket, code or "", payment or "none",
            at, _answers(registration, questions, language))
        for registration, ticket, code, payment, at in found
    ], total=total, page=page, pages=pages)


def _answers(registration: Registration, questions, language: str) -> list[tuple[str, str]]:
    values = {answer.question_id: answer.value for answer in registration.answers}
    return [(question.label_in(language), display_value(question, values[question.id], language))
            for question in questions if question.id in values]
