"""A real, throwaway PostgreSQL server for the fleet's store tests, started once per session.

It lives in a private temp dir and listens only on a unix socket there (no TCP at all), so it
cannot clash with another server on the machine; the port only names the socket file. PostgreSQL
refuses to run as root, so under root it runs as the `postgres` user Debian's package creates.
No server means the tests that need one fail and say why: they never skip.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

INSTALL = "install it with scripts/install-system.sh (Debian package postgresql)"


@dataclass(frozen=True)
class PgServer:
    socket_dir: Path
    port: int
    user: str = "fleet"

    def url(self, database: str) -> str:
        return (
            f"postgresql:///{database}?host={quote(str(self.socket_dir))}&port={self.port}&user={self.user}"
        )


def _bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    if on_path is None:
        pytest.fail(f"PostgreSQL's initdb is not on this machine: {INSTALL}", pytrace=False)
    return Path(on_path).parent


def _as_server_user(root: Path) -> list[str]:
    """The command prefix that runs the server's tools as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail(
            f"tests run as root and there is no `postgres` user to run the server: {INSTALL}", pytrace=False
        )
    os.chown(root, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


def _run(cmd: list[str], what: str, log: Path | None = None) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        text = (done.stdout + done.stderr + (log.read_text() if log and log.exists() else "")).strip()
        last = text.splitlines()[-1] if text else f"exit code {done.returncode}"
        pytest.fail(f"cannot {what} a test PostgreSQL: {last}", pytrace=False)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="deskhand-pg-"))
    data, log = root / "data", root / "server.log"
    server = PgServer(root, 5432)
    prefix: list[str] = []
    try:
        prefix = _as_server_user(root)
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", server.user, "--auth=trust"]
        _run([*prefix, *initdb, "-N", "-E", "UTF8", "--locale=C"], "initialise")
        options = (
            f"-k {root} -p {server.port} -c listen_addresses='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"  # throwaway: speed over safety
        )
        start = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "30", "-o", options]
        _run([*prefix, *start, "start"], "start", log)
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
            subprocess.run([*prefix, *stop], capture_output=True, timeout=30, check=False)
        shutil.rmtree(root, ignore_errors=True)


_names = itertools.count()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A new, empty database on the session's server, dropped after the test."""
    import psycopg

    name = f"fleet_{os.getpid()}_{next(_names)}"
    with psycopg.connect(pg_server.url("postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield pg_server.url(name)
    with psycopg.connect(pg_server.url("postgres"), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
