"""Checkout: what the register page offers and what becomes of a submitted order.

The register view parses the request and the forms; this module decides the rest, with no
request in sight: which payment methods are offered, whether the seats are plainly gone before
any work is done, whose name the order goes under, and the outcome of placing it (confirmed,
waiting for a card payment, already registered, sold out, refused), with the message the
person reads and the HTTP status. The seats themselves are decided by place_order (app.seats)."""

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.errors import AlreadyRegistered
from app.events.models import Event
from app.orders import services as orders
from app.orders.models import Order
from app.payments import gateway
from app.payments.invoicing import invoice_available
from app.tickets.models import TicketType
from app.waitlist.models import WaitingListEntry

from . import services
from .services import Attendee, Billing, RegistrationError, SoldOut


@dataclass
class Cart:
    """The seats asked for (one ticket type per seat), with the access code and the waiting-list
    offer they came with, in the visitor's language."""

    event: Event
    tickets: list[TicketType]
    language: str
    code: str = ""
    offer: WaitingListEntry | None = None

    @property
    def total_ore(self) -> int:
        return sum(ticket_type.price_ore for ticket_type in self.tickets)

    @property
    def for_others(self) -> bool:
        """More than one attendee: the buyer gives their own name and email."""
        return len(self.tickets) > 1

    def vat(self) -> list[tuple[int, int]]:
        return orders.vat_by_rate((t.price_ore, t.vat_percent) for t in self.tickets)


@dataclass
class Outcome:
    """What became of a submitted order, for the view to show: `kind` is confirmed,
    pending_payment, already_registered, sold_out or refused."""

    kind: str
    message: str
    status: int
    order: Order | None = None
    tone: str = field(default="error")


def payment_methods(cart: Cart) -> list[str]:
    """How this order can be paid: nothing to choose when it is free; card when Stripe is set
    up, invoice when the event takes invoices."""
    if not cart.total_ore:
        return []
    return [method for method, offered in (("card", gateway.card_available()),
                                           ("invoice", invoice_available(cart.event)))
            if offered]


def sold_out(cart: Cart) -> Outcome | None:
    """Refuse at once, before any form is rendered or checked, when the seats are plainly gone
    (holds and offers that lapsed are released first). The seat UPDATE in place_order still
    decides the last seats; an order from a waiting-list offer has its seat held already."""
    if cart.offer is not None or _missing_seat(cart) is None:
        return None
    orders.release_lapsed(event_id=cart.event.id)
    full = _missing_seat(cart)
    if full is None:
        return None
    message = (_("Sorry, the event is fully booked.") if full is cart.event
               else _("Sorry, %(ticket)s is sold out.", ticket=full.name_in(cart.language)))
    return Outcome("sold_out", message, 409)


def _missing_seat(cart: Cart):
    """The event, or the first ticket type, that has fewer seats left than the cart wants."""
    wanted = Counter(cart.tickets)
    if cart.event.seats_left is not None and cart.event.seats_left < len(cart.tickets):
        return cart.event
    return next((ticket_type for ticket_type, count in wanted.items()
                 if ticket_type.seats_left is not None and ticket_type.seats_left < count), None)


def place(cart: Cart, attendees: list[Attendee], *, buyer_name: str = "", buyer_email: str = "",
          payment_method: str | None = None, billing: Billing | None = None) -> Outcome:
    """Place the order and say what became of it. One attendee is their own buyer; a buyer for
    others gives their own name and email. An invoice goes to `billing`."""
    if not cart.for_others:
        buyer_name, buyer_email = attendees[0].name, attendees[0].email
    paying = cart.total_ore > 0
    try:
        order = services.place_order(
            cart.event, buyer_name, buyer_email, cart.language,
            list(zip(cart.tickets, attendees, strict=True)),
            payment_method=payment_method if paying else None,
            billing=billing if paying and payment_method == "invoice" else None,
            access_code=cart.code, offer=cart.offer)
    except AlreadyRegistered as refused:
        services.resend_link(cart.event, refused.email)
        return Outcome("already_registered", _(
            "If this address is registered or has an order waiting for payment, we have sent "
            "the link to it again."), 409, tone="info")
    except SoldOut as refused:
        return Outcome("sold_out", str(refused), 409)
    except RegistrationError as refused:
        return Outcome("refused", str(refused), refused.status)
    if order.status == "pending":
        return Outcome("pending_payment", "", 303, order, tone="info")
    return Outcome("confirmed", _thanks(order), 303, order, tone="success")


def _thanks(order: Order) -> str:
    if order.payment_method == "invoice":
        return _("Thank you! Your order is confirmed; the invoice is on its way to %(email)s.",
                 email=order.billing_email or order.buyer_email)
    if len(order.registrations) == 1:
        return _("Thank you, you are registered! A confirmation with your badge is on its way "
                 "to %(email)s.", email=order.registrations[0].email)
    return _("Thank you, you are registered! A confirmation with the badge is on its way to "
             "each attendee.")
