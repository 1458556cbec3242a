"""Orders: one purchase by one buyer (often an employer registering staff), holding one
registration per attendee, and the gap-free number series (invoices)."""

from app.db_types import UTCDateTime, utcnow
from app.extensions import db

ORDER_STATUSES = ("pending", "confirmed", "expired", "cancelled")
PAYMENT_METHODS = ("free", "card", "invoice")


# none: free; awaiting: card payment not completed; to_invoice: confirmed, invoice not paid
# (refunded_ore is then what was credited for seats cancelled in time); paid; refunded /
# partially_refunded (refunded_ore says how much); credited: an unpaid invoice credited in full
# (cancelled by the event's last refund day), nothing left to pay.
PAYMENT_STATUSES = ("none", "awaiting", "to_invoice", "paid", "refunded", "partially_refunded",
                    "credited")


class Order(db.Model):
    __tablename__ = "ticket_order"  # "order" is an SQL keyword

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.ForeignKey("event.id", ondelete="CASCADE"), nullable=False, index=True)
    # The reference people quote on the phone and on bank transfers: 8 unambiguous characters.
    code = db.Column(db.String(12), nullable=False, unique=True)
    buyer_name = db.Column(db.String(200), nullable=False)
    buyer_email = db.Column(db.String(254), nullable=False, index=True)  # lower-case
    language = db.Column(db.String(5), nullable=False, default="sv")
    status = db.Column(db.String(20), nullable=False, default="pending")
    payment_method = db.Column(db.String(10), nullable=False, default="free")
    payment_status = db.Column(db.String(20), nullable=False, default="none")
    total_ore = db.Column(db.Integer, nullable=False, default=0)
    currency = db.Column(db.String(3), nullable=False, default="SEK")
    manage_token = db.Column(db.String(64), nullable=False, unique=True)
    # Seats of a pending card order are held until then, and released by expire_holds().
    hold_expires_at = db.Column(UTCDateTime, index=True)

    stripe_checkout_id = db.Column(db.String(255), unique=True)
    stripe_checkout_url = db.Column(db.Text)
    stripe_payment_intent = db.Column(db.String(255), index=True)
    paid_at = db.Column(UTCDateTime)
    refunded_ore = db.Column(db.Integer, nullable=False, default=0)

    # Invoice payment (employers): what goes on the invoice.
    billing_name = db.Column(db.String(200), nullable=False, default="")
    billing_org_number = db.Column(db.String(20), nullable=False, default="")
    billing_address = db.Column(db.Text, nullable=False, default="")
    billing_email = db.Column(db.String(254), nullable=False, default="")
    invoice_reference = db.Column(db.String(200), nullable=False, default="")
    peppol_id = db.Column(db.String(100), nullable=False, default="")
    # ISO 3166 code of the buyer's country: Swedish organisation numbers are checked only for
    # Swedish buyers, and the e-invoice must name the country.
    billing_country = db.Column(db.String(2), nullable=False, default="SE", server_default="SE")
    # When the e-invoice was handed to the transmission folder (app/payments/einvoice.py).
    einvoice_sent_at = db.Column(UTCDateTime)
    invoice_number = db.Column(db.Integer, unique=True)
    invoiced_at = db.Column(UTCDateTime)
    invoice_due_on = db.Column(db.Date)
    # Reminders of an overdue invoice (app/payments/reminders.py): how many were sent, and when
    # the last one was; the count is also what a reminder run claims the invoice by.
    reminder_count = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    last_reminded_at = db.Column(UTCDateTime)

    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    confirmed_at = db.Column(UTCDateTime)
    cancelled_at = db.Column(UTCDateTime)

    event = db.relationship("Event")
    registrations = db.relationship(
        "Registration", back_populates="order", order_by="Registration.id"
    )

    @property
    def own_registration(self):
        """The buyer's registration when the order is only the buyer themselves, else None: a
        person who registered alone is at home on their own page, not on an order page."""
        if len(self.registrations) == 1 and self.registrations[0].email == self.buyer_email:
            return self.registrations[0]
        return None

    @property
    def is_paid_for(self) -> bool:
        return self.payment_status in ("paid", "partially_refunded")


class Counter(db.Model):
    """A gap-free number series (invoice numbers), advanced by one atomic UPDATE ... RETURNING so
    two invoices made at the same moment never share a number."""

    name = db.Column(db.String(40), primary_key=True)
    value = db.Column(db.Integer, nullable=False, default=0)
