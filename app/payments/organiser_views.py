"""Receipts and invoices to download, and the organiser's view of orders and invoices."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField
from wtforms.validators import InputRequired, ValidationError

from app.errors import render_error
from app.events.manage import current_event
from app.extensions import limiter
from app.i18n import current_language
from app.orders.models import ORDER_STATUSES, PAYMENT_STATUSES, Order
from app.orders.services import order_by_token

from . import (
    batches,
    credit_notes,
    documents,
    einvoice,
    invoicing,
    reminders,
    services,
    transmission,
)
from .forms import RefundForm
from .views import bp, organiser


class MarkPaidForm(FlaskForm):
    """Only the CSRF token, and which page to go back to."""

    back = HiddenField()


class PeriodForm(FlaskForm):
    """The invoices and credit notes of a period, as one zip."""

    start = DateField(_l("From"), validators=[InputRequired(_l("Enter a date, like 2027-02-01."))])
    end = DateField(_l("To"), validators=[InputRequired(_l("Enter a date, like 2027-02-28."))])

    def validate_end(self, field):
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("The period must end on or after its first day."))


@organiser.context_processor
def labels():
    return {
        "status_labels": invoicing.STATUS_LABELS,
        "payment_labels": invoicing.PAYMENT_STATUS_LABELS,
        "method_labels": invoicing.METHOD_LABELS,
        "registration_labels": invoicing.REGISTRATION_STATUS_LABELS,
        "refund_labels": invoicing.REFUND_STATUS_LABELS,
    }


def _pdf(data: bytes, filename: str) -> Response:
    return Response(
        data, mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"',
                 "Cache-Control": "private, no-store"},
    )


def _receipt(order: Order) -> Response:
    if not invoicing.has_receipt(order):
        abort(404)
    return _pdf(documents.receipt_pdf(order), documents.receipt_filename(order))


def _invoice(order: Order) -> Response:
    if not invoicing.has_invoice(order):
        abort(404)
    return _pdf(documents.invoice_pdf(order), documents.invoice_filename(order))


def _xml(data: bytes, filename: str) -> Response:
    return Response(
        data, mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                 "Cache-Control": "private, no-store"},
    )


def _invoice_xml(order: Order) -> Response:
    if not einvoice.can_make(order):
        abort(404)
    return _xml(einvoice.invoice_xml(order), einvoice.invoice_filename(order))


def _credit_note(order: Order, number: int):
    note = next((n for n in credit_notes.of_order(order) if n.number == number), None)
    if note is None:
        abort(404)
    return note


def _credit_note_pdf(order: Order, number: int) -> Response:
    note = _credit_note(order, number)
    return _pdf(documents.credit_note_pdf(note), documents.credit_note_filename(note))


def _credit_note_xml(order: Order, number: int) -> Response:
    note = _credit_note(order, number)
    if not einvoice.can_make(order):
        abort(404)
    return _xml(einvoice.credit_note_xml(note), einvoice.credit_note_filename(note))


# --- the buyer's documents, behind the order's private link ------------------------------------

def _order_or_404(token: str) -> Order:
    order = order_by_token(token)
    if order is None:
        abort(404)
    return order


@bp.route("/o/<token>/receipt.pdf")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def receipt_pdf(token):
    return _receipt(_order_or_404(token))


@bp.route("/o/<token>/invoice.pdf")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def invoice_pdf(token):
    return _invoice(_order_or_404(token))


@bp.route("/o/<token>/invoice.xml")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def invoice_xml(token):
    return _invoice_xml(_order_or_404(token))


@bp.route("/o/<token>/credit-notes/<int:number>.pdf")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def credit_note_pdf(token, number):
    return _credit_note_pdf(_order_or_404(token), number)


# --- the organiser -----------------------------------------------------------------------------

def _managed_order(order_id: int):
    event = current_event()
    order = invoicing.order_in_event(event, order_id)
    if order is None:
        abort(404)
    return event, order


@organiser.route("/orders")
def orders():
    event = current_event()
    status = request.args.get("status", "")
    payment_status = request.args.get("payment_status", "")
    q = request.args.get("q", "")[:200]
    status = status if status in ORDER_STATUSES else ""
    payment_status = payment_status if payment_status in PAYMENT_STATUSES else ""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
    rows, count = invoicing.search_orders(event, status, payment_status, q, page)
    pages = max((count + invoicing.PAGE_SIZE - 1) // invoicing.PAGE_SIZE, 1)
    return render_template(
        "payments/orders.html", event=event, rows=rows, count=count, page=min(page, pages),
        pages=pages, status=status, payment_status=payment_status, q=q,
        statuses=ORDER_STATUSES, payment_statuses=PAYMENT_STATUSES,
    )


def _refund_form(order: Order):
    """The refund form, when there is something left to pay back."""
    if not services.refundable_ore(order):
        return None
    return RefundForm(formdata=None).for_order(order)


@organiser.route("/orders/<int:order_id>")
def order_detail(order_id):
    event, order = _managed_order(order_id)
    return render_template(
        "payments/order_detail.html", event=event, order=order,
        order_lines=invoicing.lines(order), refunds=invoicing.refunds_of(order),
        has_invoice=invoicing.has_invoice(order), has_receipt=invoicing.has_receipt(order),
        due_date=invoicing.due_date(order), invoice_date=invoicing.invoice_date(order),
        overdue=invoicing.is_overdue(order), mark_paid_form=MarkPaidForm(formdata=None),
        refund_form=_refund_form(order), refundable=services.refundable_ore(order),
        order_credit_notes=credit_notes.of_order(order),
        country=invoicing.foreign_country(order, current_language()),
        einvoice_problems=einvoice.problems(order) if invoicing.has_invoice(order) else [],
    )


@organiser.route("/orders/<int:order_id>/receipt.pdf")
def order_receipt_pdf(order_id):
    _event, order = _managed_order(order_id)
    return _receipt(order)


@organiser.route("/orders/<int:order_id>/invoice.pdf")
def order_invoice_pdf(order_id):
    _event, order = _managed_order(order_id)
    return _invoice(order)


@organiser.route("/orders/<int:order_id>/invoice.xml")
def order_invoice_xml(order_id):
    _event, order = _managed_order(order_id)
    return _invoice_xml(order)


@organiser.route("/orders/<int:order_id>/credit-notes/<int:number>.pdf")
def order_credit_note_pdf(order_id, number):
    _event, order = _managed_order(order_id)
    return _credit_note_pdf(order, number)


@organiser.route("/orders/<int:order_id>/credit-notes/<int:number>.xml")
def order_credit_note_xml(order_id, number):
    _event, order = _managed_order(order_id)
    return _credit_note_xml(order, number)


@organiser.route("/orders/<int:order_id>/mark-paid", methods=["POST"])
def mark_paid(order_id):
    event, order = _managed_order(order_id)
    form = MarkPaidForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = invoicing.mark_paid(order)
    except invoicing.InvoiceError as error:
        return render_error(409, message=str(error))
    if changed:
        flash(_("Invoice %(number)s is marked paid.", number=order.invoice_number), "success")
    else:
        flash(_("Invoice %(number)s was already marked paid.", number=order.invoice_number),
              "info")
    if form.back.data == "invoices":
        return redirect(url_for("manage.payments.invoices"), 303)
    return redirect(url_for("manage.payments.order_detail", order_id=order.id), 303)


@organiser.route("/invoices")
def invoices():
    event = current_event()
    orders = invoicing.invoice_orders(event)
    unpaid = [o for o in orders if o.payment_status == "to_invoice"]
    settled = [o for o in orders if o.payment_status != "to_invoice"]
    credited = invoicing.credited_by_order(event)
    return render_template(
        "payments/invoices.html", event=event, unpaid=unpaid, settled=settled,
        credited=credited,
        # Cancelled seats an unpaid invoice still charges for (cancelled too late for credit).
        still_due={o.id: invoicing.cancelled_still_due(o, credited.get(o.id, 0))
                   for o in unpaid},
        totals={o.id: invoicing.totals(invoicing.lines(o)) for o in orders},
        due={o.id: invoicing.due_date(o) for o in orders},
        issued={o.id: invoicing.invoice_date(o) for o in orders},
        overdue={o.id for o in unpaid if invoicing.is_overdue(o)},
        missing=invoicing.missing_seller_details(event), mark_paid_form=MarkPaidForm(formdata=None),
        reminder_days=reminders.reminder_days(),
        next_reminder={o.id: reminders.next_reminder_on(o) for o in unpaid},
        due_reminders=sum(reminders.is_due(o) for o in unpaid),
        **_einvoice_context(event, orders),
    )


def _einvoice_context(event, orders, period_form=None) -> dict:
    """What the invoices page shows of e-invoices: each one's state, the credit notes, the
    transmission and the period zip."""
    notes = credit_notes.of_event(event)
    today = event.today()
    return {
        "einvoice_problems": {o.id: einvoice.problems(o) for o in orders},
        "credit_note_list": notes,
        "credit_note_problems": {n.id: einvoice.problems(n.order) for n in notes},
        "credit_note_dates": {n.id: invoicing.local_date(n.order, n.issued_at) for n in notes},
        "transmitter": transmission.configured(),
        "unsent": sum(len(found) for found in transmission.unsent(event, orders, notes)),
        "period_form": period_form or PeriodForm(formdata=None, data={
            "start": today.replace(day=1), "end": today}),
    }


@organiser.route("/invoices.zip", methods=["POST"])
def invoices_zip():
    """A POST (its form's button): the zip names buyers and is logged."""
    event = current_event()
    form = PeriodForm()
    if not form.validate_on_submit():
        return render_error(400, message=" ".join(
            str(error) for errors in form.errors.values() for error in errors))
    batch = batches.period_zip(event, form.start.data, form.end.data, current_user)
    name = f"{event.slug}-invoices-{form.start.data.isoformat()}-{form.end.data.isoformat()}.zip"
    return Response(
        batch.data, mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "private, no-store"},
    )


@organiser.route("/invoices/send-einvoices", methods=["POST"])
def send_einvoices():
    """Hand the e-invoices and credit notes not sent yet to the transmission folder."""
    event = current_event()
    if not MarkPaidForm().validate_on_submit():
        abort(400)
    transmitter = transmission.configured()
    if transmitter is None:
        return render_error(409, message=_("No folder for e-invoices is set up "
                                           "(EINVOICE_FOLDER), so nothing can be sent."))
    sent = transmission.send_unsent(event, transmitter, current_user)
    if sent.failed:
        flash(_("%(count)d e-invoices were sent. These could not be written to the folder: "
                "%(failed)s", count=sent.count, failed=", ".join(sent.failed)), "error")
    elif sent.count:
        flash(_("E-invoices sent: %(count)d.", count=sent.count), "success")
    else:
        flash(_("There were no e-invoices waiting to be sent."), "info")
    return redirect(url_for("manage.payments.invoices"), 303)


@organiser.route("/invoices/remind", methods=["POST"])
def remind_invoices():
    """Remind the buyers of the overdue invoices that are due a reminder (at most one per
    invoice every INVOICE_REMINDER_DAYS days, however often the button is pressed)."""
    event = current_event()
    if not MarkPaidForm().validate_on_submit():
        abort(400)
    reminded = reminders.remind_overdue(event, current_user)
    if reminded.count:
        flash(_("Reminders sent: %(count)d.", count=reminded.count), "success")
    else:
        flash(_("No reminders were due: no invoice is overdue, or each overdue one was reminded "
                "less than %(days)d days ago.", days=reminders.reminder_days()), "info")
    return redirect(url_for("manage.payments.invoices"), 303)


@organiser.route("/invoices.csv", methods=["POST"])
def invoices_csv():
    """A POST (its form's button): the export names buyers and is logged, and a GET writes
    nothing."""
    event = current_event()
    return Response(
        invoicing.invoices_csv(event, current_user), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}-invoices.csv"',
                 "Cache-Control": "private, no-store"},
    )
