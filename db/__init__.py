"""Persistence: SQLAlchemy 2.x async rows, repositories, unit of work, Alembic migrations.

Wiring (the composition root does this; nothing is built at import time)::

    from db.engine import create_engine, session_factory
    from db.migrate import ensure_schema          # or ensure_schema_async inside a loop
    from db.uow import uow_factory
    from db.dialogue_store import SqlDialogueStore

    ensure_schema(url)
    engine = create_engine(url)                   # sqlite:///file or postgresql://...
    sessions = session_factory(engine)
    uows = uow_factory(sessions)                  # core.ports.UnitOfWorkFactory
    dialogues = SqlDialogueStore(sessions)        # core.ports.DialogueStore
    ...
    await engine.dispose()

Concurrency: uniqueness rules live in the database and surface as core.domain.errors.Conflict;
compare-and-set updates (`transition`, `claim`, `mark_used`, `mark_sent`) return False when
another transaction changed the row first. On SQLite writers are serialised (a second writer
waits up to the busy timeout), so never hold one unit of work open while writing in another
from the same task.
"""
