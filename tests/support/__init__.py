"""What the tests share, in one place:

- ``clock``: ``FakeClock`` (the one fake clock) and ``FileClock`` (for a bot in another process);
- ``fakes``: the in-memory unit of work (every repository port of core.ports, checked by mypy),
  ``RecordingSender``, ``stored_id``;
- ``agency``: ``Agency``, the one agency builder (written through any unit of work), ``person``;
- ``loop_agency``, ``handler_agency``: the two small agencies the suites use, and the loop's
  scripted engine and rules;
- ``e2e``: the one end-to-end harness (``E2E``, the ``runtime`` and ``loop`` fixtures) — the real
  bot over HTTP against ``devtools.emulator``.
"""
