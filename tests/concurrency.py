"""Running work in many threads at the same instant, each with its own database session."""

import threading

from app.extensions import db as _db


def run_at_once(app, count, work):
    """Run work(i) in `count` threads that meet at a barrier before touching the database.
    Returns [(i, result or exception)], so a crash in a thread fails the test."""
    outcomes, barrier, lock = [], threading.Barrier(count, timeout=10), threading.Lock()
    _db.session.commit()  # what the test set up, before the threads race on it

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                result = work(i)
                _db.session.commit()  # the thread's unit of work, as a request's
            except Exception as error:
                result = error
                # Render lazy messages while the app context (and its locale) is still here.
                error.text = str(error)
            finally:
                _db.session.remove()
            with lock:
                outcomes.append((i, result))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert len(outcomes) == count
    return outcomes
