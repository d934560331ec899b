"""Development-only tools shared by the tests and the benchmarks (not part of the production
install: `pyproject.toml` packages only bot, handlers, core and db).

- ``devtools.emulator``: a local Telegram Bot API emulator over real HTTP on 127.0.0.1.
"""
