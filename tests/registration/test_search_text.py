"""A registration is found by what it says now: the stored folded search text follows every
change of name, email or organisation, and a search treats % and _ as the characters they
are. Registrations from before the column existed are filled in by the migration."""

import pytest

from app.registration import services as registration_services
from app.registration.search import fold, name_key_of, search_text_of, sort_key, surname_key_of
from tests.conftest import login
from tests.factories import register
from tests.old_schema import database_at, old_event

SLUG = "varkonferensen-2027"


@pytest.fixture
def door(app, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    return login(app.test_client(), "dorr@example.org")


def found(door, query):
    response = door.get(f"/checkin/{SLUG}/search.json", query_string={"q": query})
    assert response.status_code == 200
    return [row["name"] for row in response.get_json()["results"]]


def test_folding_forgets_case_and_accents_only():
    assert fold("Åsa ÖSTRÖM") == "asa ostrom" and fold("Linnéa") == "linnea"
    assert search_text_of("Åsa Öström", "asa@example.org", "Sjöbris", "AB12CD34") \
        == "asa ostrom asa@example.org sjobris ab12cd34"
    assert surname_key_of("Åsa Maria Öström") == "}str}m {sa maria }str}m"


def test_lists_order_names_in_the_swedish_alphabet():
    names = ["Öst", "Zorn", "Åberg", "Ekström", "Ärlig", "Ek", "Ørsted", "Linnéa", "Abel"]
    assert sorted(names, key=sort_key) == ["Abel", "Ek", "Ekström", "Linnéa", "Zorn", "Åberg",
                                           "Ärlig", "Ørsted", "Öst"]
    assert name_key_of("  Åsa   ÖSTRÖM ") == "{sa }str}m"


def test_a_new_registration_is_searchable_by_every_part(conference, mailbox, db):
    asa = register(conference["event"], conference["ticket"], name="Åsa Öström",
                   email="asa@example.org", organisation="Föreningen Sjöbris")
    db.session.refresh(asa)
    assert asa.search_text == f"asa ostrom asa@example.org foreningen sjobris " \
                              f"{asa.order.code.lower()}"
    assert (asa.name_key, asa.surname_key) == ("{sa }str}m", "}str}m {sa }str}m")


def test_renaming_on_the_attendee_page_changes_what_finds_them(client, door, conference,
                                                                mailbox, db):
    asa = register(conference["event"], conference["ticket"], name="Åsa Öström",
                   email="asa@example.org", organisation="Föreningen Sjöbris")
    assert found(door, "ostrom") == ["Åsa Öström"]
    response = client.post(f"/r/{asa.manage_token}/edit", data={
        "name": "Åsa Lindgrén", "organisation": "Hjärnkoll Väst"})
    assert response.status_code == 303
    assert found(door, "lindgren") == ["Åsa Lindgrén"]
    assert found(door, "hjarnkoll vast") == ["Åsa Lindgrén"]
    assert found(door, "ostrom") == [] and found(door, "sjobris") == []
    db.session.refresh(asa)
    assert (asa.name_key, asa.surname_key) == ("{sa lindgren", "lindgren {sa lindgren")


def test_a_ticket_given_to_a_colleague_is_found_by_the_new_address(client, door, conference,
                                                                   mailbox, db):
    asa = register(conference["event"], conference["ticket"], name="Åsa Öström",
                   email="asa@example.org")
    response = client.post(f"/r/{asa.manage_token}/transfer", data={
        "name": "Bo Berg", "email": "Bo.Berg@Example.org", "confirm": "y"})
    assert response.status_code == 303
    assert found(door, "bo.berg@example") == ["Bo Berg"]
    assert found(door, "asa@example") == []


def test_percent_and_underscore_match_only_themselves(door, conference, mailbox):
    register(conference["event"], conference["ticket"], name="Bo Ek", email="bo@example.org")
    register(conference["event"], conference["ticket"], name="Eva 100% Berg",
             email="eva_berg@example.org")
    assert found(door, "%") == ["Eva 100% Berg"]
    assert found(door, "b_") == []  # not "bo", "berg" or "b" and any character
    assert found(door, "eva_") == ["Eva 100% Berg"]
    assert found(door, "\\") == []


def test_the_upgrade_fills_in_the_search_text_of_earlier_registrations(app_settings, tmp_path):
    registrations = [
        "INSERT INTO registration (id, event_id, ticket_type_id, order_id, name, email,"
        " organisation, role, phone, price_ore, vat_percent, dietary_needs,"
        " accessibility_needs, sensitive_consent, language, status, manage_token, badge_token,"
        f" created_at) VALUES ({id_}, 1, 1, {order}, '{name}', '{email}', 'RSMH Göteborg',"
        f" '', '', 0, 0, '', '', 0, 'sv', 'confirmed', 'm{id_}', 'B{id_}',"
        " '2026-01-01 00:00:00')"
        for id_, name, email, order in ((1, "Åsa Öström", "asa@example.org", "1"),
                                        (2, "Nils Åberg", "nils@example.org", "NULL"))]
    with database_at(app_settings, tmp_path, "0014") as old:
        old.run(
            old_event(),
            "INSERT INTO ticket_type (id, event_id, name, description, price_ore, currency,"
            " capacity, seats_taken, position) VALUES (1, 1, 'Fri', '', 0, 'SEK', 10, 2, 0)",
            "INSERT INTO ticket_order (id, event_id, code, buyer_name, buyer_email,"
            " language, status, payment_method, payment_status, total_ore, currency,"
            " manage_token, refunded_ore, billing_name, billing_org_number,"
            " billing_address, billing_email, invoice_reference, peppol_id, created_at)"
            " VALUES (1, 1, 'KX7P2QMA', 'Åsa', 'asa@example.org', 'sv', 'confirmed',"
            " 'free', 'none', 0, 'SEK', 'o', 0, '', '', '', '', '', '',"
            " '2026-01-01 00:00:00')",
            *registrations)
        old.upgrade("0016")
        rows = old.read("SELECT search_text, name_key, surname_key FROM registration ORDER BY id")
    assert [tuple(row) for row in rows] == [
        ("asa ostrom asa@example.org rsmh goteborg kx7p2qma", "{sa }str}m", "}str}m {sa }str}m"),
        ("nils aberg nils@example.org rsmh goteborg", "nils {berg", "{berg nils {berg"),
    ]


def test_the_purge_leaves_nothing_to_find_a_cancelled_person_by(app, organiser, conference, db,
                                                              mailbox):
    gone = register(conference["event"], conference["ticket"], name="Örjan Öström",
                    email="orjan@example.org")
    registration_services.cancel(gone)
    db.session.commit()
    assert organiser.post("/manage/e/varkonferensen-2027/purge",
                          data={"confirm_slug": "varkonferensen-2027"}).status_code == 303
    db.session.expire_all()
    db.session.refresh(gone)
    assert "ostrom" not in gone.search_text and "orjan" not in gone.search_text
    assert gone.name_key == "" or "ostrom" not in gone.name_key
