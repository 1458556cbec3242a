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
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField

from app.errors import render_error
from app.events.manage import current_event
from app.extensions import limiter
from app.orders.models import ORDER_STATUSES, PAYMENT_STATUSES, Order
from app.orders.services import order_by_token

from . import documents, invoicing, reminders, services
from .forms import RefundForm
from .views import bp, organiser


class MarkPaidForm(FlaskForm):
    """Only the CSRF token, and which page to go back to."""

    back = HiddenField()


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
    )


@organiser.route("/orders/<int:order_id>/receipt.pdf")
def order_receipt_pdf(order_id):
    _event, order = _managed_order(order_id)
    return _receipt(order)


@organiser.route("/orders/<int:order_id>/invoice.pdf")
def order_invoice_pdf(order_id):
    _event, order = _managed_order(order_id)
    return _invoice(order)


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
    )


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
