"""Foundation figures: how fast badges render and how fast the door answers a scan.

Runs on a throwaway SQLite database (or BENCH_DATABASE_URL) with the test configuration, through
the real HTTP stack (Flask test client), and prints one `name: value` line per figure."""

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import BASE_DIR, TestConfig  # noqa: E402

ATTENDEES = 300


def main():
    tmp = Path(tempfile.mkdtemp(prefix="samla-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                     MAIL_FOLDER=str(tmp / "mail"), SMTP_HOST="", OUTBOX_HOLD=True)
    with app.app_context():
        import flask_migrate

        flask_migrate.upgrade(directory=str(BASE_DIR / "migrations"))
        from app.accounts.services import create_user
        from app.badges.services import badge_pdf, qr_modules
        from app.registration.models import Registration
        from tests.factories import build_conference, register

        conference = build_conference()
        create_user("dorr@example.org", "Door", "bench-password-1", "door",
                    [conference["event"]])
        db.session.commit()
        for i in range(ATTENDEES):
            register(conference["event"], conference["ticket"], name=f"Deltagare {i}",
                     email=f"d{i}@example.org")
        registrations = db.session.query(Registration).all()
        tokens = [r.badge_token for r in registrations]

        qr_modules.cache_clear()
        single = []
        for registration in registrations[:100]:
            start = time.perf_counter()
            badge_pdf([registration])
            single.append((time.perf_counter() - start) * 1000)
        qr_modules.cache_clear()
        start = time.perf_counter()
        whole = badge_pdf(registrations)
        batch_s = time.perf_counter() - start

    client = app.test_client()
    client.post("/login", data={"email": "dorr@example.org", "password": "bench-password-1"})
    scans = []
    for token in tokens:
        start = time.perf_counter()
        response = client.post("/checkin/varkonferensen-2027", data={"code": token})
        scans.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    scans.sort()
    print(f"badge_pdf_median_ms: {statistics.median(single):.1f}")
    print(f"badges_per_s_one_pdf: {len(registrations) / batch_s:.0f}")
    print(f"badge_kib_each: {len(whole) / len(registrations) / 1024:.1f}")
    print(f"scan_median_ms: {statistics.median(scans):.1f}")
    print(f"scan_p95_ms: {scans[int(len(scans) * 0.95)]:.1f}")


if __name__ == "__main__":
    main()
