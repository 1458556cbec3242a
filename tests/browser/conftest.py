"""Browser fixtures: Chromium contexts that can inject axe-core, and an accessibility check."""

import pytest
from playwright.sync_api import Error as PlaywrightError

from app.registration.personal import star
from config import BASE_DIR
from tests.factories import register

AXE = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as an inline script, which Samla's strict CSP would refuse.
    return {**browser_context_args, "bypass_csp": True}


def assert_accessible(page):
    """No WCAG 2.1 A/AA violations according to axe-core, which the test suite ships."""
    assert AXE.exists(), "node_modules/axe-core is missing: run `make test` (it runs npm ci)"
    # After a click that navigates, the next document may be on its way (no <head> to add the
    # script to): wait until that page has loaded, then check it.
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            page.add_script_tag(path=str(AXE))
            break
        except PlaywrightError as error:
            if "appendChild" not in str(error) or attempt == 2:
                raise
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    problems = [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in result["violations"]
    ]
    assert not problems, f"{page.url}: " + "; ".join(problems)


def log_in(page, email="arrangor@example.org"):
    """Sign in through the login form, as a person would."""
    page.goto("/login")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Lösenord").fill("correct horse battery")
    page.get_by_role("button", name="Logga in").click()


@pytest.fixture
def attendee_who_starred_the_talk(page, conference, make_user, mailbox):
    """An attendee who put the talk in their programme (so its changes reach them), and the
    page signed in as an organiser; the mailbox starts empty."""
    attendee = register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    star(attendee, conference["talk"])
    make_user("arrangor@example.org", role="admin")
    log_in(page)
    return attendee
