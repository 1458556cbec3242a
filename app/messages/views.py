"""The organiser's messages to attendees: /manage/e/<slug>/messages lists what was sent,
/messages/new writes one (form, preview, send: one form posted with a `step`), and
/messages/<id> shows whom it went to and whether it was delivered."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.events.manage import current_event, organiser_pages
from app.mail.outbox import PURGED
from app.teams.access import EDITORS

from . import services
from .forms import MessageForm

organiser = organiser_pages("messages", __name__, roles=EDITORS)

STEPS = ("preview", "edit", "send")
DELIVERY = {
    "pending": _l("waiting to be sent"),
    "sending": _l("being sent"),
    "sent": _l("delivered to the mail server"),
    "failed": _l("could not be delivered"),
}


IN_LANGUAGE = {"sv": _l("In Swedish"), "en": _l("In English")}
GETS_VERSION = {"sv": _l("Get the Swedish version"), "en": _l("Get the English version")}
FALLBACK = {
    "sv": _l("Registered in Swedish who get the English version, as there is none in Swedish: "
             "%(num)d"),
    "en": _l("Registered in English who get the Swedish version, as there is none in English: "
             "%(num)d"),
}


@organiser.context_processor
def labels():
    return {"language_names": services.LANGUAGE_NAMES, "in_language": IN_LANGUAGE,
            "gets_version": GETS_VERSION, "fallback_labels": FALLBACK,
            "delivery_labels": DELIVERY, "audience_label": services.audience_label,
            "purged": PURGED}


@organiser.route("/messages")
def index():
    event = current_event()
    messages = services.messages_of(event)
    return render_template(
        "messages/index.html", event=event, messages=messages,
        counts=services.delivery_counts([message.id for message in messages]))


def _form(event, formdata=None) -> MessageForm:
    return MessageForm(formdata=formdata).for_audiences(services.audiences(event))


@organiser.route("/messages/new", methods=["GET", "POST"])
def new():
    event = current_event()
    if request.method == "GET":
        form = _form(event)
        form.audience.data = request.args.get("to", "all")
        form.nonce.data = services.new_nonce()
        return render_template("messages/new.html", event=event, form=form)
    form = _form(event, request.form)
    services.check_nonce(form.nonce.data)
    step = request.form.get("step", "preview")
    if step not in STEPS:
        abort(400)
    if step == "edit" or not form.validate():
        return render_template("messages/new.html", event=event,
                               form=form.show_refused_characters()), 400 if form.errors else 200
    audience = services.audience_for(event, form.audience.data)
    if step == "preview":
        return render_template("messages/preview.html", event=event, form=form,
                               preview=services.preview(event, audience, form.draft))
    message, sent = services.send(event, current_user, audience, form.draft, form.nonce.data)
    if sent:
        flash(_("The message is on its way to %(count)d people.",
                count=message.recipient_count), "success")
    else:
        flash(_("This message had already been sent; it was not sent a second time."), "info")
    return redirect(url_for("manage.messages.message", message_id=message.id), 303)


@organiser.route("/messages/<int:message_id>")
def message(message_id):
    event = current_event()
    found = services.message_in(event, message_id)
    page = services.recipient_page(found, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "messages/message.html", event=event, message=found, page=page,
        counts=services.delivery_counts([found.id])[found.id])
