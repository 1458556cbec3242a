"""The attendee list as the database answers it: one page of an event's registrations that
meet the filters, in the chosen order, with their ticket, order, payment and live check-in,
and how many meet the filters in all. Four queries whatever the size of the event (the count,
the page, its answers and the event's questions), so it stays fast with thousands of
registrations: the search compares the stored folded text and the order the stored sort keys
(app/registration/search.py); the page's 50 ids are chosen from the registrations alone, and
only those rows are joined to their orders and check-ins and leave the database."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.checkin.lists import live_check_ins
from app.checkin.models import CheckIn
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order
from app.programme.models import ProgrammeItem, SessionSignup
from app.programme.signups import signup_items
from app.registration import search
from app.registration.models import Registration
from app.registration.questions import display_value
from app.registration.services import questions_for
from app.tickets.models import TicketType
from app.tickets.services import ticket_types_for

from .forms import ListQuery

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
    if query.checked_in:
        came = live_check_ins().where(CheckIn.registration_id == Registration.id).exists()
        conditions.append(came if query.checked_in == "yes" else ~came)
    if query.item is not None:
        conditions.append(select(SessionSignup.id).where(
            SessionSignup.registration_id == Registration.id,
            SessionSignup.item_id == query.item).exists())
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


def person(event: Event, registration_id: int) -> Registration | None:
    """One of the event's registrations; None for another event's or an unknown id."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        return None
    return registration
