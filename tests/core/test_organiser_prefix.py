"""Every organiser page of an event sits under /manage/e/<slug> in one blueprint tree, which
loads the event and checks who may see it once, so no page can forget to."""

import inspect

import pytest
from flask import g, url_for

from app.events.manage import page_access
from app.teams.access import PageAccess
from tests.conftest import login

SLUG = "varkonferensen-2027"
PAGES = ["/", "/programme", "/edit", "/grid", "/tickets", "/questions", "/attendees", "/orders",
         "/invoices", "/waiting-list", "/speakers", "/feedback", "/publish", "/purge",
         "/programme.csv", "/exports", "/audit"]


def organiser_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/manage/e/")]


def test_every_organiser_page_of_an_event_belongs_to_the_manage_blueprint(app):
    rules = organiser_rules(app)
    assert len(rules) > 40
    assert [r.rule for r in rules if not r.endpoint.startswith("manage.")] == []
    # One level below manage, named after the area: manage.<area>.<view>.
    assert [r.endpoint for r in rules if r.endpoint.count(".") != 2] == []


def test_every_organiser_page_declares_which_team_roles_may_use_it(app):
    """Its blueprint's rule (organiser_pages(..., roles=...)) or its view's own."""
    rules = {rule.endpoint: page_access(rule.endpoint) for rule in organiser_rules(app)}
    assert all(isinstance(rule, PageAccess) for rule in rules.values())
    assert rules["manage.payments.orders"].roles == ("owner", "organiser", "finance")
    assert rules["manage.events.manage"].read_only_for == ("finance",)


def test_no_organiser_view_loads_the_event_itself(app):
    """The slug never reaches a view: the blueprint has turned it into g.event already."""
    takes_slug = [rule.endpoint for rule in organiser_rules(app)
                  if "slug" in inspect.signature(app.view_functions[rule.endpoint]).parameters]
    assert takes_slug == []


def test_an_unknown_event_is_not_found(organiser, conference):
    for page in ["/", "/tickets", "/orders", "/items/1", "/orders/1/refund"]:
        assert organiser.get(f"/manage/e/no-such-event{page}").status_code == 404, page


def test_someone_not_logged_in_is_sent_to_log_in_first(client, conference):
    for page in PAGES:
        response = client.get(f"/manage/e/{SLUG}{page}")
        assert response.status_code == 302, page
        assert "/login?next=" in response.headers["Location"], page
    # Whether an event exists is not given away before logging in.
    assert client.get("/manage/e/no-such-event/").status_code == 302
    assert client.post(f"/manage/e/{SLUG}/rooms", data={"name": "Sal C"}).status_code == 302


def test_door_staff_may_not_open_organiser_pages(app, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    for page in PAGES:
        assert door.get(f"/manage/e/{SLUG}{page}").status_code == 403, page
    assert door.get("/manage/e/no-such-event/").status_code == 403


def test_an_organiser_in_the_team_opens_them_all(app, make_user, conference):
    make_user("olga@example.org", role="organiser", events=[conference["event"]])
    organiser = login(app.test_client(), "olga@example.org")
    for page in PAGES:
        assert organiser.get(f"/manage/e/{SLUG}{page}").status_code == 200, page
    # The links between them name the event without each template passing it.
    tickets = organiser.get(f"/manage/e/{SLUG}/tickets").get_data(as_text=True)
    assert f'href="/manage/e/{SLUG}/tickets/new"' in tickets


@pytest.mark.parametrize("given", [{}, {"slug": "another-event-2027"}])
def test_links_name_the_event_being_shown_unless_told_otherwise(app, conference, given):
    with app.test_request_context(f"/manage/e/{SLUG}/tickets"):
        g.event = conference["event"]
        slug = given.get("slug", SLUG)
        assert url_for("manage.tickets.index", **given) == f"/manage/e/{slug}/tickets"
        assert url_for("manage.payments.order_detail", order_id=7, **given) == (
            f"/manage/e/{slug}/orders/7")
