"""The organiser's pages for the registration form (custom questions and the built-in fields),
the needs summary for the caterer and the venue, and the purge of personal data."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.events.manage import current_event
from app.tickets import services as tickets

from . import privacy, questions, retention, services
from .manage_forms import ActionForm, DeleteQuestionForm, FieldsForm, PurgeForm, QuestionForm
from .views import organiser


def _question_or_404(event, question_id: int):
    question = questions.question_or_none(event, question_id)
    if question is None:
        abort(404)
    return question


def _question_form(event, question=None) -> QuestionForm:
    if question is None:
        form = QuestionForm()
    else:
        # Not obj=question: its options (a list) would win over the text version.
        form = QuestionForm(
            label=question.label, label_en=question.label_en, help_text=question.help_text,
            help_text_en=question.help_text_en, kind=question.kind, required=question.required,
            options=questions.format_options(question.options),
            ticket_types=list(question.ticket_type_ids or []), sensitive=question.sensitive)
    form.ticket_types.choices = [(t.id, t.name) for t in tickets.ticket_types_for(event)]
    return form


def _render_index(event, fields_form=None, status=200):
    return render_template(
        "registration/questions.html", event=event, questions=services.questions_for(event),
        answer_counts=questions.answer_counts(event),
        ticket_names={t.id: t.name for t in tickets.ticket_types_for(event)},
        fields_form=fields_form or FieldsForm(obj=event), action_form=ActionForm(),
    ), status


@organiser.route("/questions")
def question_list():
    return _render_index(current_event())


def _save(event, question, form):
    """Store the form's question; on refusal put the reason on the form and return None."""
    if not form.validate_on_submit():
        return None
    try:
        return questions.save_question(
            event, question, label=form.label.data, label_en=form.label_en.data or "",
            help_text=form.help_text.data or "", help_text_en=form.help_text_en.data or "",
            kind=form.kind.data, options_text=form.options.data or "",
            required=form.required.data, ticket_type_ids=form.ticket_types.data or [],
            sensitive=form.sensitive.data,
        )
    except questions.QuestionError as error:
        target = form.options if "option" in str(error).lower() else None
        (target.errors if target is not None else form.form_errors).append(str(error))
        return None


@organiser.route("/questions/new", methods=["GET", "POST"])
def create_question():
    event = current_event()
    form = _question_form(event)
    question = _save(event, None, form)
    if question is not None:
        flash(_("The question was added."), "success")
        return redirect(url_for("manage.registration.question_list") + f"#question-{question.id}")
    return render_template("registration/questions_form.html", event=event, form=form,
                           question=None), 400 if form.errors or form.form_errors else 200


@organiser.route("/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(question_id):
    event = current_event()
    question = _question_or_404(event, question_id)
    form = _question_form(event, question)
    if _save(event, question, form) is not None:
        flash(_("The question was saved."), "success")
        return redirect(url_for("manage.registration.question_list") + f"#question-{question.id}")
    return render_template(
        "registration/questions_form.html", event=event, form=form, question=question,
        answers=questions.answer_count(question),
    ), 400 if form.errors or form.form_errors else 200


@organiser.route("/questions/<int:question_id>/delete", methods=["GET", "POST"])
def delete_question(question_id):
    """A question without answers goes at once; one with answers only after the organiser has
    seen how many answers go with it and confirmed."""
    event = current_event()
    question = _question_or_404(event, question_id)
    count = questions.answer_count(question)
    form = DeleteQuestionForm()
    status = 200
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        if count == 0 or form.validate():
            label = question.label
            deleted = questions.delete_question(question)
            flash(_("The question “%(label)s” was deleted, with %(count)d answers.",
                    label=label, count=deleted), "success")
            return redirect(url_for("manage.registration.question_list"))
        # The confirmation page's own submit, without the box ticked.
        status = 400 if request.form.get("step") == "confirm" else 200
    return render_template("registration/questions_delete.html", event=event,
                           question=question, answers=count, form=form), status


@organiser.route("/questions/<int:question_id>/move", methods=["POST"])
def move_question(question_id):
    event = current_event()
    question = _question_or_404(event, question_id)
    form = ActionForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    questions.move_question(event, question, form.direction.data)
    return redirect(url_for("manage.registration.question_list") + f"#question-{question.id}")


@organiser.route("/questions/fields", methods=["POST"])
def fields():
    event = current_event()
    form = FieldsForm()
    if not form.validate_on_submit():
        return _render_index(event, form, 400)
    questions.save_built_in_fields(
        event, organisation=form.field_organisation.data, role=form.field_role.data,
        phone=form.field_phone.data, ask_sensitive=form.ask_sensitive.data)
    flash(_("The registration form's fields were saved."), "success")
    return redirect(url_for("manage.registration.question_list") + "#fields")


@organiser.route("/needs.csv")
def needs_csv():
    event = current_event()
    return Response(privacy.needs_csv(event), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{event.slug}-needs.csv"',
        "Cache-Control": "private, no-store",
    })


@organiser.route("/purge", methods=["GET", "POST"])
def purge():
    """Either stage by hand, now: the sensitive answers only (the button named stage, value
    "sensitive"), or the whole purge."""
    event = current_event()
    form = PurgeForm()
    status = 200
    if form.is_submitted():
        status = 400
        if (form.validate() and form.confirm_slug.data.strip() == event.slug
                and request.form.get("stage") == "sensitive"):
            counts = privacy.purge_sensitive(event, user=current_user)
            flash(_("The sensitive answers were deleted: the dietary and accessibility needs "
                    "of %(sensitive)d attendees and %(answers)d answers to sensitive "
                    "questions.", sensitive=counts["sensitive"],
                    answers=counts["sensitive_answers"]), "success")
            return redirect(url_for("manage.events.manage") + "#personal-data", 303)
        if form.validate() and form.confirm_slug.data.strip() == event.slug:
            counts = privacy.purge(event, user=current_user)
            flash(_("The event's personal data was deleted: sensitive details of %(sensitive)d "
                    "attendees, %(answers)d answers, %(waiting)d waiting-list entries and "
                    "%(stars)d programme choices; %(anonymised)d cancelled registrations and "
                    "%(orders)d unpaid orders were anonymised. Invoiced and paid orders are "
                    "kept.",
                    sensitive=counts["sensitive"],
                    answers=counts["answers"] + counts["sensitive_answers"],
                    waiting=counts["waiting_list"], stars=counts["stars"],
                    anonymised=counts["anonymised"], orders=counts["orders"]), "success")
            return redirect(url_for("manage.attendee.index"), 303)
        if form.confirm_slug.data and not form.confirm_slug.errors:
            form.confirm_slug.errors = [_("Type %(slug)s exactly.", slug=event.slug)]
    return render_template("registration/questions_purge.html", event=event, form=form,
                           summary=privacy.needs_summary(event),
                           counts=services.registration_counts(event),
                           schedule=retention.schedule(event)), status
