"""The accessibility statement (tillgänglighetsredogörelse): a page at a fixed address, linked
from the footer of every page, with what Digg asks of a statement; Samla's own honest default
text until an administrator makes it theirs, in Swedish and English. Only an administrator
edits it."""

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.statement.models import AccessibilityStatement
from tests.conftest import login
from tests.factories import register

PAGE = "/tillganglighet"
EDIT = "/admin/tillganglighet"


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def statement_form(**changes):
    data = {"organisation": "NSPH", "service_name": "NSPH:s konferenser",
            "compliance": "partial", "contact_email": "tillganglighet@nsph.example",
            "contact_phone": "08-123 45 67",
            "shortcomings_sv": "Namnbrickan är en PDF utan taggar.\n\nFilmer saknar textning.",
            "shortcomings_en": "The badge is an untagged PDF.\nVideos have no captions.",
            "burden_sv": "", "burden_en": "", "out_of_scope_sv": "Stripes betalsida.",
            "out_of_scope_en": "", "feedback_sv": "Vi svarar inom två arbetsdagar.",
            "feedback_en": "We answer within two working days.",
            "method_sv": "Självskattning.", "method_en": "Self-assessment.",
            "assessed_on": "2027-01-10", "reviewed_on": "2027-02-01"}
    data.update(changes)
    return data


def test_the_statement_says_what_digg_asks_for_with_samlas_own_text(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    page = text(response)
    assert "Tillgänglighetsredogörelse för Samla" in page
    # Whose site, and the commitment.
    assert "NSPH står bakom Samla" in page
    # Compliance in Digg's words, and the standard.
    assert ("Samla är delvis förenlig med lagen (2018:1937) om tillgänglighet till digital "
            "offentlig service." in page)
    assert "EN 301 549" in page and "WCAG 2.1 nivå AA" in page
    # What is not accessible, and why: honestly, the untagged PDFs and the camera.
    assert "Innehåll som inte är tillgängligt" in page
    assert "PDF-filer utan taggar" in page and "kameran" in page
    assert "Oskäligt betungande anpassning" in page
    assert "Innehåll som inte omfattas av lagen" in page and "Stripes webbplats" in page
    # How to report (without an address yet: to the event's organiser).
    assert "Meddela oss brister" in page and "Skriv till arrangören av ditt evenemang" in page
    # Enforcement: Digg, with its reporting form.
    assert "Myndigheten för digital förvaltning (Digg) har tillsyn" in page
    assert 'href="https://www.digg.se/tdosanmalan"' in response.get_data(as_text=True)
    # How it was made, and the dates.
    assert "självskattning" in page and "axe-core" in page
    assert ("Bedömningen gjordes den 2 december 2026. Redogörelsen uppdaterades senast den "
            "2 december 2026." in page)


def test_the_statement_in_english(client):
    client.get("/language/en")
    page = text(client.get(PAGE))
    assert "Accessibility statement for Samla" in page
    assert "Samla is partially compliant with the law" in page
    assert "PDF files without tags" in page
    assert "Report inaccessible digital public services to Digg" in page


@pytest.mark.parametrize("path", ["/", "/login", "/e/varkonferensen-2027/",
                                  "/e/varkonferensen-2027/programme", PAGE, "/finns-inte"])
def test_every_page_links_to_the_statement_in_its_footer(client, conference, path):
    html = client.get(path).get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">'):]
    assert f'<a href="{PAGE}">Tillgänglighetsredogörelse</a>' in footer


def test_the_attendees_and_the_organisers_pages_link_to_it_too(client, organiser, conference):
    alva = register(conference["event"], conference["ticket"])
    for who, path in ((client, f"/r/{alva.manage_token}"),
                      (organiser, "/manage/e/varkonferensen-2027/"), (organiser, "/manage/")):
        assert f'href="{PAGE}"' in who.get(path).get_data(as_text=True), path


def test_the_administrator_makes_the_statement_their_own(organiser, client, db):
    form = organiser.get(EDIT)
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "Samlas egen standardtext" in html
    assert 'value="NSPH"' in html and "PDF-filer utan taggar" in html
    assert organiser.get(PAGE).get_data(as_text=True).count(f'href="{EDIT}"') == 1

    response = organiser.post(EDIT, data=statement_form())
    assert response.status_code == 303 and response.headers["Location"] == PAGE
    page = text(client.get(PAGE))
    assert "Tillgänglighetsredogörelse för NSPH:s konferenser" in page
    assert "NSPH står bakom NSPH:s konferenser" in page
    assert "Filmer saknar textning." in page and "PDF-filer utan taggar" not in page
    assert "Vi svarar inom två arbetsdagar." in page
    assert "tillganglighet@nsph.example" in page
    assert "Skriv till arrangören av ditt evenemang" not in page
    assert ("Bedömningen gjordes den 10 januari 2027. Redogörelsen uppdaterades senast den "
            "1 februari 2027." in page)
    raw = client.get(PAGE).get_data(as_text=True)
    assert '<li>Namnbrickan är en PDF utan taggar.</li>' in raw
    assert 'href="mailto:tillganglighet@nsph.example"' in raw and 'href="tel:081234567"' in raw
    # An empty text is left out; the part about Digg never is.
    assert "Oskäligt betungande anpassning" not in page and "Digg" in page

    db.session.rollback()
    [row] = db.session.scalars(select(AccessibilityStatement)).all()
    assert row.compliance == "partial" and row.updated_by_id is not None
    [entry] = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "statement.updated")).all()
    assert entry.event_id is None and entry.actor.startswith("Olga Organiser")

    # Saved again: still one statement.
    assert organiser.post(EDIT, data=statement_form(compliance="full",
                                                    shortcomings_sv="")).status_code == 303
    db.session.rollback()
    assert [r.compliance for r in db.session.scalars(select(AccessibilityStatement))] == ["full"]
    assert "är helt förenlig med lagen" in text(client.get(PAGE))


def test_an_english_page_shows_the_swedish_text_where_no_english_was_written(organiser,
                                                                             client):
    organiser.post(EDIT, data=statement_form())
    client.get("/language/en")
    raw = client.get(PAGE).get_data(as_text=True)
    assert "We answer within two working days." in raw
    assert '<p class="prose" lang="sv">Stripes betalsida.</p>' in raw
    assert "<li>Videos have no captions.</li>" in raw


@pytest.mark.parametrize("changes,message", [
    ({"shortcomings_sv": ""}, "Skriv vad som inte är tillgängligt, och varför"),
    ({"compliance": "none", "shortcomings_sv": " "}, "Skriv vad som inte är tillgängligt"),
    ({"compliance": "maybe"}, "Inte ett giltigt val"),
    ({"reviewed_on": "2026-12-31"}, "Den senaste uppdateringen kan inte vara före bedömningen"),
    ({"assessed_on": ""}, "obligatoriskt"),
    ({"organisation": ""}, "obligatoriskt"),
    ({"organisation": "NSPH\nAnnan rad"}, "Skriv på en rad"),
    ({"contact_email": "inte en adress"}, "Skriv en hel e-postadress"),
])
def test_a_statement_missing_what_the_law_asks_is_refused(organiser, db, changes, message):
    response = organiser.post(EDIT, data=statement_form(**changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    db.session.rollback()
    assert db.session.scalar(select(AccessibilityStatement)) is None


def test_only_an_administrator_may_edit_it(app, client, conference, make_user, db):
    response = client.get(EDIT)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(EDIT, data=statement_form()).status_code == 302
    make_user("arr@example.org", role="organiser", events=[conference["event"]],
              team_role="owner")
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    for email in ("arr@example.org", "dorr@example.org"):
        someone = login(app.test_client(), email)
        assert someone.get(EDIT).status_code == 403, email
        assert someone.post(EDIT, data=statement_form()).status_code == 403, email
        assert f'href="{EDIT}"' not in someone.get(PAGE).get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(AccessibilityStatement)) is None
    assert "Samla är delvis förenlig" in text(client.get(PAGE))
