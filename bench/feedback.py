"""Survey results: how fast the organiser's results page (/manage/e/<slug>/feedback/results)
answers for a survey of 10 questions about the event and a per-session block (a rating and a
free text) over 20 programme items, answered by 2,000 people who each answered about 5 of the
sessions, and how many SQL queries one request costs. Issue 13's target: under 300 ms median,
with a query count that does not grow with the answers (measured at 1,000 and at 2,000
respondents: results_queries_1000 and results_queries).

The answers are written with bulk inserts straight into the answer tables. Uses
bench/programme.py's harness: a throwaway SQLite database, or a scratch PostgreSQL database with
BENCH_DATABASE_URL, and its `measure` (5 warm-ups, then 200 timed requests through the Flask
test client), then 200 more for the CPU time one request costs this process
(results_cpu_median_ms: the app and SQLite run in it; other work on the machine does not inflate
it as it does the wall clock). Prints `name: value` lines."""

import random
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import cpu_per_request  # noqa: E402
from programme import measure, scratch_database  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import BASE_DIR, TestConfig  # noqa: E402

RESPONDENTS, ITEMS, SESSIONS_EACH = 2000, 20, 5
PASSWORD = "bench-password-1"


def build() -> tuple[str, int, list[int], int]:
    """The event, its 20 sessions and its survey: (slug, survey id, item ids, ticket id)."""
    from app.accounts.services import create_user
    from app.feedback.services import create_survey, save_question
    from app.programme.services import ItemPlacement, create_item
    from tests.factories import DAY, build_conference

    conference = build_conference()
    event = conference["event"]
    items = [create_item(event, title=f"Pass {n + 1}", kind="talk", description="",
                         placement=ItemPlacement(DAY, clock(8 + n // 2, 30 * (n % 2)),
                                                 clock(8 + n // 2, 30 * (n % 2) + 25),
                                                 conference["side"]))
             for n in range(ITEMS)]
    survey = create_survey(event, "conference")  # 7 questions about the event, 2 per session
    for kind, text in (("rating", "Hur var maten?"), ("yes_no", "Hittade du lätt dit?"),
                       ("recommend", "Skulle du tipsa en kollega om föreläsarna?")):
        save_question(survey, None, dict(kind=kind, text=text, text_en="", low_label="",
                                         low_label_en="", high_label="", high_label_en="",
                                         options=[], required=False, per_session=False))
    create_user("arrangor@bench.example", "Olga Organiser", PASSWORD, "organiser", [event])
    db.session.commit()
    return event.slug, survey.id, [item.id for item in items], conference["ticket"].id


def answer(survey_id: int, item_ids: list[int], ticket_id: int, count: int, seed: int) -> None:
    """`count` people's answers, written in bulk as answering writes them (random keys)."""
    from app.feedback.models import Survey, SurveyAnswer, SurveyResponse, random_key

    rng = random.Random(seed)
    survey = db.session.get(Survey, survey_id)
    general = [q for q in survey.questions if not q.per_session]
    per_session = [q for q in survey.questions if q.per_session]
    day = survey.event.ends_on + timedelta(days=1)
    responses, answers = [], []
    for _ in range(count):
        response = random_key()
        responses.append(dict(id=response, survey_id=survey_id, answered_on=day, item_id=None,
                              ticket_type_id=ticket_id))
        for q in general:
            row = dict(id=random_key(), response_id=response, question_id=q.id, hidden=False,
                       row=None, value=None, text=None)
            if q.kind == "text":
                answers.append({**row, "text": rng.choice(["Bra", "Mer pauser", "Trångt"])})
            elif q.kind == "grid":
                answers += [{**row, "id": random_key(), "row": r, "value": rng.randint(1, 5)}
                            for r in range(len(q.options))]
            elif q.kind == "multiple":
                answers += [{**row, "id": random_key(), "row": r, "value": 1}
                            for r in rng.sample(range(len(q.options)), 2)]
            else:
                top = {"rating": 5, "recommend": 10, "single": len(q.options) - 1,
                       "yes_no": 1}[q.kind]
                answers.append({**row, "value": rng.randint(0 if top != 5 else 1, top)})
        for item_id in rng.sample(item_ids, SESSIONS_EACH):
            session = random_key()
            responses.append(dict(id=session, survey_id=survey_id, answered_on=day,
                                  item_id=item_id, ticket_type_id=None))
            for q in per_session:
                answers.append(dict(id=random_key(), response_id=session, question_id=q.id,
                                    hidden=False, row=None,
                                    value=None if q.kind == "text" else rng.randint(1, 5),
                                    text="Tack!" if q.kind == "text" else None))
    db.session.execute(insert(SurveyResponse), responses)
    db.session.execute(insert(SurveyAnswer), answers)
    db.session.commit()


def main():
    started = time.perf_counter()
    with scratch_database() as (url, tmp):
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                         MAIL_FOLDER=str(tmp / "mail"), SMTP_HOST="", OUTBOX_HOLD=True)
        with app.app_context():
            import flask_migrate

            flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"))
            slug, survey_id, item_ids, ticket_id = build()
            answer(survey_id, item_ids, ticket_id, RESPONDENTS // 2, seed=1)
        organiser = app.test_client()
        response = organiser.post("/login", data={"email": "arrangor@bench.example",
                                                  "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        path = f"/manage/e/{slug}/feedback/results"
        half = measure(app, organiser, path, "personer svarade")
        with app.app_context():
            answer(survey_id, item_ids, ticket_id, RESPONDENTS - RESPONDENTS // 2, seed=2)
        build_s = time.perf_counter() - started
        full = measure(app, organiser, path, f"{RESPONDENTS} personer svarade")
        full_cpu = cpu_per_request(organiser, path)
        session = measure(app, organiser, f"{path}?item={item_ids[0]}", "personer svarade")
        with app.app_context():
            db.engine.dispose()

    print(f"respondents: {RESPONDENTS}")
    print(f"build_s: {build_s:.2f}")
    print(f"results_median_ms: {full[0]:.1f}")
    print(f"results_p95_ms: {full[1]:.1f}")
    print(f"results_queries: {full[2]}")
    print(f"results_cpu_median_ms: {full_cpu:.1f}")
    print(f"results_queries_1000: {half[2]}")
    print(f"session_results_median_ms: {session[0]:.1f}")
    print(f"session_results_queries: {session[2]}")


if __name__ == "__main__":
    main()
