"""The organiser reads the results: figures, charts with their tables, sessions and ticket
types only for groups of at least 5, free texts to hide, a comparison with the organiser's
earlier event, CSV and XLSX; the speaker sees their session once released."""

import csv
import io
from datetime import date

from openpyxl import load_workbook

from app.events.models import Event
from app.extensions import db
from app.feedback.models import SurveyAnswer, SurveyResponse
from app.feedback.services import create_survey, request_feedback
from tests.feedback.conftest import by_kind
from tests.queries import queries_for

SLUG = "varkonferensen-2027"
BASE = f"/manage/e/{SLUG}/feedback"


def answer(client, surveyed, people, ratings=(5, 4, 4, 3, 5, 2, 4)):
    survey, talk, workshop = surveyed["survey"], surveyed["talk"], surveyed["workshop"]
    for n, person in enumerate(people):
        data = {f"q{by_kind(survey, 'rating').id}": str(ratings[n]),
                f"q{by_kind(survey, 'text').id}": f"Kommentar {n}",
                f"q{by_kind(survey, 'multiple').id}": ["0", "1"] if n % 2 else ["0"],
                f"i{talk.id}-q{by_kind(survey, 'rating', True).id}": "4",
                f"i{talk.id}-q{by_kind(survey, 'text', True).id}": f"Till talaren {n}",
                f"i{workshop.id}-q{by_kind(survey, 'rating', True).id}": "3"}
        assert client.post(f"/r/{person.manage_token}/feedback", data=data).status_code == 200


def asked(surveyed):
    request_feedback(surveyed["event"], confirm_early=True)
    db.session.commit()


def test_fewer_than_five_answers_show_nothing(organiser, client, surveyed):
    asked(surveyed)
    answer(client, surveyed, surveyed["people"][:4])
    page = organiser.get(f"{BASE}/results").get_data(as_text=True)
    assert "4 har svarat hittills. Färre än 5 personer har svarat här" in page
    assert "<svg" not in page and "Kommentar 0" not in page
    export = organiser.get(f"{BASE}/export.csv")
    assert export.status_code == 302


def test_results_with_figures_charts_tables_and_groups(organiser, client, surveyed):
    asked(surveyed)
    answer(client, surveyed, surveyed["people"][:7])  # 4 of them signed up for the workshop
    page = organiser.get(f"{BASE}/results").get_data(as_text=True)
    assert "7 personer svarade." in page
    assert "Medelvärde 3,9, median 4." in page  # 5 4 4 3 5 2 4
    assert page.count('<svg class="bars"') >= 3 and "Siffrorna som tabell" in page
    assert "Kommentar 6" in page and "Till talaren 3" in page
    # The talk had 7 answers, the workshop 4: only the talk is shown and can be chosen.
    talk, workshop = surveyed["talk"], surveyed["workshop"]
    assert f'?item={talk.id}"' in page and f'?item={workshop.id}"' not in page
    assert "färre än 5" in page
    assert f'<option value="{surveyed["ticket"].id}"' in page  # 7 with the free ticket
    one = organiser.get(f"{BASE}/results?item={talk.id}").get_data(as_text=True)
    assert "7 personer svarade." in one and "Kommentar 0" not in one
    few = organiser.get(f"{BASE}/results?item={workshop.id}").get_data(as_text=True)
    assert "Färre än 5 personer har svarat här" in few and "<svg" not in few
    grouped = organiser.get(f"{BASE}/results?ticket={surveyed['ticket'].id}")
    assert "7 personer svarade." in grouped.get_data(as_text=True)


def test_hidden_texts_are_counted_and_left_out_of_exports_and_the_speakers_page(
        organiser, client, surveyed):
    asked(surveyed)
    answer(client, surveyed, surveyed["people"][:6])
    db.session.rollback()
    rude = db.session.scalar(db.select(SurveyAnswer).where(SurveyAnswer.text == "Till talaren 2"))
    back = f"{BASE}/results"
    assert organiser.post(f"{BASE}/answers/{rude.id}/hide", data={"back": back}).status_code == 302
    assert organiser.post(f"{BASE}/answers/finns-inte/hide").status_code == 404
    page = organiser.get(back).get_data(as_text=True)
    assert "Dolda: 1." in page

    rows = list(csv.reader(io.StringIO(
        organiser.get(f"{BASE}/export.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["session", "ticket_type"]
    assert len(rows) == 1 + 6 + 6  # the event and the talk; the workshop had 3, too few
    flat = [value for row in rows for value in row]
    assert "Till talaren 2" not in flat and "Till talaren 1" in flat
    book = load_workbook(io.BytesIO(organiser.get(f"{BASE}/export.xlsx").data))
    assert book.active.max_row == len(rows)

    speaker = surveyed["speaker"]
    closed = client.get(f"/s/{speaker.token}/feedback").get_data(as_text=True)
    assert "har inte delat resultaten" in closed
    survey = db.session.merge(surveyed["survey"])
    survey.released_to_speakers = True
    db.session.commit()
    shown = client.get(f"/s/{speaker.token}/feedback").get_data(as_text=True)
    assert "Till talaren 1" in shown and "Till talaren 2" not in shown
    assert "Workshop" not in shown  # not the speaker's session


def test_comparison_with_the_organisers_earlier_event(organiser, client, surveyed):
    earlier = Event(slug="varkonferensen-2026", name="Vårkonferensen 2026", organiser_name="NSPH",
                    starts_on=date(2026, 3, 19), ends_on=date(2026, 3, 19))
    db.session.add(earlier)
    db.session.flush()
    old = create_survey(earlier, "conference")
    for rating in (2, 3, 3, 2, 3):
        db.session.add(SurveyResponse(survey_id=old.id, answered_on=date(2026, 3, 20), answers=[
            SurveyAnswer(question_id=by_kind(old, "rating").id, value=rating, hidden=False)]))
    db.session.commit()
    asked(surveyed)
    answer(client, surveyed, surveyed["people"][:5])
    page = organiser.get(f"{BASE}/results").get_data(as_text=True)
    assert "Jämfört med Vårkonferensen 2026" in page
    assert "<td class=\"number\">4,2</td><td class=\"number\">2,6</td>" in page


def test_the_results_page_costs_the_same_queries_however_many_answered(
        organiser, client, surveyed):
    asked(surveyed)
    people = surveyed["people"]
    answer(client, surveyed, people[:5])
    five = queries_for(organiser, f"{BASE}/results")
    answer(client, surveyed, people[5:9])
    assert queries_for(organiser, f"{BASE}/results") == five
