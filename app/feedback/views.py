from flask import (
    Blueprint,
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

from app.events.manage import current_event, organiser_pages
from app.extensions import limiter
from app.registration.views import registration_or_404
from app.speakers.services import by_token as speaker_by_token
from app.teams.access import EDITORS

from . import answering, results, services
from .chart import bar_chart
from .forms import CreateSurveyForm, QuestionForm, SendForm, SettingsForm

bp = Blueprint("feedback", __name__)
organiser = organiser_pages("feedback", __name__, roles=EDITORS)


@bp.app_template_filter("bar_chart")
def _bar_chart(bars):
    return bar_chart(bars)


# --- the attendee ------------------------------------------------------------------------------

@bp.route("/r/<token>/feedback", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def give(token):
    registration = registration_or_404(token)
    survey = services.survey_for(registration.event)
    if not services.may_answer(registration, survey):
        abort(404)
    event = registration.event
    posted = request.method == "POST"
    if registration.feedback_answered_on is not None:
        return render_template("feedback/thanks.html", event=event, already=True), (
            409 if posted else 200)
    layout = answering.steps(survey, services.items_for(registration))
    if posted and answering.read_answers(layout, request.form):
        try:
            answering.submit(registration, survey, layout)
        except services.FeedbackError:
            return render_template("feedback/thanks.html", event=event, already=True), 409
        return render_template("feedback/thanks.html", event=event, already=False)
    failed = posted and any(asked.error for step in layout for asked in step.asked)
    return render_template("feedback/give.html", event=event, survey=survey, layout=layout,
                           token=token, failed=failed), 400 if failed else 200


# --- the speaker -------------------------------------------------------------------------------

@bp.route("/s/<token>/feedback")
@limiter.limit(lambda: current_app.config["RATELIMIT_SPEAKER"])
def speaker_results(token):
    speaker = speaker_by_token(token)
    if speaker is None:
        abort(404)
    survey = services.survey_for(speaker.event)
    items = [slot.item for slot in speaker.slots if slot.state != "declined"]
    return render_template("feedback/speaker.html", speaker=speaker, event=speaker.event,
                           survey=survey, found=results.for_speaker(survey, items))


# --- the organiser -----------------------------------------------------------------------------

def _survey_or_404(event):
    survey = services.survey_for(event)
    if survey is None:
        abort(404)
    return survey


def _overview(event, survey, *, create=None, settings=None, send=None, status=200):
    return render_template(
        "feedback/manage.html", event=event, survey=survey,
        create=create or CreateSurveyForm(),
        settings=settings or (SettingsForm(obj=survey) if survey else None),
        send=send or SendForm(send_to=survey.audience if survey else "checked_in"),
        progress=services.progress(survey) if survey else None,
    ), status


@organiser.route("/feedback")
def manage():
    event = current_event()
    return _overview(event, services.survey_for(event))


@organiser.route("/feedback/create", methods=["POST"])
def create():
    event = current_event()
    form = CreateSurveyForm()
    if not form.validate():
        return _overview(event, services.survey_for(event), create=form, status=400)
    services.create_survey(event, form.template.data)
    flash(_("The survey was made. Look through the questions and change what you like."),
          "success")
    return redirect(url_for("manage.feedback.questions"))


@organiser.route("/feedback/settings", methods=["POST"])
def settings():
    event = current_event()
    survey = _survey_or_404(event)
    form = SettingsForm()
    if not form.validate():
        return _overview(event, survey, settings=form, status=400)
    services.save_settings(survey, **{name: getattr(form, name).data for name in (
        "intro", "intro_en", "auto_send", "send_after_hours", "send_from", "audience",
        "remind_after_days", "closes_on", "released_to_speakers")})
    flash(_("The settings were saved."), "success")
    return redirect(url_for("manage.feedback.manage"))


@organiser.route("/feedback/send", methods=["POST"])
def send():
    event = current_event()
    survey = _survey_or_404(event)
    form = SendForm()
    if not form.validate():
        return _overview(event, survey, send=form, status=400)
    try:
        sent = services.request_feedback(event, form.send_to.data,
                                         confirm_early=form.confirm_early.data)
    except services.FeedbackError as refusal:
        form.confirm_early.errors = [str(refusal)]
        return _overview(event, survey, send=form, status=refusal.status)
    flash(_("Survey sent: %(count)d.", count=sent), "success")
    return redirect(url_for("manage.feedback.manage"))


def _question_or_404(survey, question_id):
    question = next((q for q in survey.questions if q.id == question_id), None)
    if question is None:
        abort(404)
    return question


@organiser.route("/feedback/questions", methods=["GET", "POST"])
def questions():
    event = current_event()
    survey = _survey_or_404(event)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.save_question(survey, None, form.fields_for_question())
        except services.FeedbackError as refusal:
            form.options.errors = [str(refusal)]
        else:
            flash(_("The question was added."), "success")
            return redirect(url_for("manage.feedback.questions"))
    return render_template("feedback/questions.html", event=event, survey=survey, form=form,
                           kinds=dict(form.kind.choices)), 400 if form.errors else 200


@organiser.route("/feedback/questions/<int:question_id>", methods=["GET", "POST"])
def question(question_id):
    event = current_event()
    survey = _survey_or_404(event)
    question = _question_or_404(survey, question_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.save_question(survey, question, form.fields_for_question())
        except services.FeedbackError as refusal:
            form.options.errors = [str(refusal)]
        else:
            flash(_("The question was saved."), "success")
            return redirect(url_for("manage.feedback.questions"))
    elif request.method == "GET":
        form.fill_from(question)
    return render_template("feedback/question.html", event=event, question=question,
                           form=form), 400 if form.errors else 200


@organiser.route("/feedback/questions/<int:question_id>/remove", methods=["POST"])
def remove_question(question_id):
    survey = _survey_or_404(current_event())
    services.remove_question(survey, _question_or_404(survey, question_id))
    flash(_("The question was removed."), "success")
    return redirect(url_for("manage.feedback.questions"))


@organiser.route("/feedback/questions/<int:question_id>/move", methods=["POST"])
def move_question(question_id):
    survey = _survey_or_404(current_event())
    step = -1 if request.form.get("direction") == "up" else 1
    services.move_question(survey, _question_or_404(survey, question_id), step)
    return redirect(url_for("manage.feedback.questions"))


def _number(name):
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@organiser.route("/feedback/results")
def results_page():
    event = current_event()
    survey = _survey_or_404(event)
    item_id, ticket_type_id = _number("item"), _number("ticket")
    found = results.results(survey, item_id=item_id, ticket_type_id=ticket_type_id)
    earlier = results.earlier_events(event)
    compared = results.compare(survey, earlier[0]) if earlier and not (
        item_id or ticket_type_id) else []
    return render_template(
        "feedback/results.html", event=event, survey=survey, results=found, item_id=item_id,
        ticket_type_id=ticket_type_id, earlier=earlier[0] if earlier else None,
        compared=compared, min_group=services.MIN_GROUP)


@organiser.route("/feedback/questions/<int:question_id>/texts")
def texts(question_id):
    event = current_event()
    survey = _survey_or_404(event)
    question = _question_or_404(survey, question_id)
    if question.kind != "text":
        abort(404)
    return render_template("feedback/texts.html", event=event, question=question,
                           result=results.texts(survey, question),
                           min_group=services.MIN_GROUP)


@organiser.route("/feedback/answers/<answer_id>/<any(hide, show):action>", methods=["POST"])
def moderate(answer_id, action):
    survey = _survey_or_404(current_event())
    if not results.set_hidden(survey, answer_id, action == "hide"):
        abort(404)
    flash(_("The answer was hidden.") if action == "hide" else _("The answer is shown again."),
          "success")
    back = request.form.get("back", "")
    if not back.startswith("/manage/"):
        back = url_for("manage.feedback.results_page")
    return redirect(back)


@organiser.route("/feedback/export.<any(csv, xlsx):file_format>")
def export(file_format):
    event = current_event()
    survey = _survey_or_404(event)
    rows = results.table(survey, _("Yes"), _("No"))
    if rows is None:
        flash(_("Fewer than %(count)d people have answered; the answers cannot be exported "
                "yet.", count=services.MIN_GROUP), "error")
        return redirect(url_for("manage.feedback.results_page"))
    if file_format == "csv":
        data, mimetype = results.as_csv(rows), "text/csv; charset=utf-8"
    else:
        data = results.as_xlsx(rows, _("Survey"))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, content_type=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{event.slug}-survey.{file_format}"',
        "Cache-Control": "private, no-store"})
