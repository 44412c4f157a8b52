"""A throw-away PostgreSQL server for the test suite.

The suite never touches a PostgreSQL the machine may already run (Debian's package
starts one on port 5432): it runs its own cluster in a temporary directory, listening
on 127.0.0.1 on a free port with a private socket directory, tuned for speed
(no fsync) because the data is thrown away. On Debian the server binaries live in
``/usr/lib/postgresql/<version>/bin`` and refuse to run as root, so as root they run
as the ``postgres`` user through ``runuser``. Every program is found by absolute path:
root reached through a plain ``su`` has a PATH without ``/usr/sbin``, where ``runuser``
lives.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

_APT = "apt-get update && apt-get install -y --no-install-recommends postgresql"
#: Both forms: a Debian machine with a root password has no sudo.
APT_INSTALL = f"sudo sh -c '{_APT}'\n  or, as root:\n    su -c '{_APT}'"
#: Where system programs live, whatever PATH the shell that started the tests had.
_SYSTEM_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def find_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with ``initdb``, else one on PATH."""
    candidates = [
        path
        for path in Path("/usr/lib/postgresql").glob("*/bin")
        if (path / "initdb").is_file() and path.parent.name.split(".")[0].isdigit()
    ]
    if candidates:
        return max(candidates, key=lambda p: [int(x) for x in p.parent.name.split(".")])
    on_path = find_program("initdb")
    return on_path.parent if on_path else None


def find_program(name: str) -> Path | None:
    """``name`` on PATH or in the usual system folders, as an absolute path."""
    search = os.pathsep.join([os.environ.get("PATH", ""), *_SYSTEM_DIRS])
    found = shutil.which(name, path=search)
    return Path(found).resolve() if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pick_locale() -> str:
    """C.UTF-8 where the C library has it (glibc >= 2.35 always does), else en_US.UTF-8."""
    try:
        listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "C"
    names = {name.lower().replace("-", "") for name in listed.stdout.split()}
    if "c.utf8" in names:
        return "C.UTF-8"
    if "en_us.utf8" in names:
        return "en_US.UTF-8"
    return "C"  # the C locale accepts any encoding


def _traversable_by_others(path: Path) -> bool:
    return all(os.stat(parent).st_mode & stat.S_IXOTH for parent in [path, *path.parents])


class PostgresServer:
    """One private cluster: ``start()``, ``create_database()``, ``url()``, ``stop()``."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = 0
        self.host = "127.0.0.1"
        self.user = "postgres"
        self._as_postgres = os.geteuid() == 0
        base = Path(tempfile.gettempdir())
        if self._as_postgres and not _traversable_by_others(base):
            base = Path("/tmp")
        self.root = Path(tempfile.mkdtemp(prefix="clinic-pg-", dir=base))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log_file = self.root / "server.log"
        self.running = False

    # -- lifecycle -------------------------------------------------------------------

    def start(self, attempts: int = 3) -> None:
        self.socket_dir.mkdir()
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        self._run(
            "initdb",
            "--auth=trust",
            f"--username={self.user}",
            "--encoding=UTF8",
            f"--locale={_pick_locale()}",
            "--no-sync",
            "--pgdata",
            str(self.data_dir),
        )
        for attempt in range(attempts):
            self.port = _free_port()
            options = " ".join(
                [
                    f"-h {self.host}",
                    f"-p {self.port}",
                    f"-k {self.socket_dir}",
                    "-F",  # fsync=off
                    "-c full_page_writes=off",
                    "-c synchronous_commit=off",
                    "-c max_connections=100",
                    "-c shared_buffers=64MB",
                ]
            )
            try:
                self._run(
                    "pg_ctl",
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-o",
                    options,
                )
            except RuntimeError:
                if attempt == attempts - 1:  # another process took the port each time
                    raise
                continue
            self.running = True
            return

    def stop(self) -> None:
        try:
            if self.running:
                self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data_dir))
                self.running = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- databases -------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (copying ``template`` if given); return its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_checked(name)))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(_checked(template)))
        self._admin(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(_checked(name))
            )
        )

    def _admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(statement)

    # -- helpers ---------------------------------------------------------------------

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self._as_postgres:
            runuser = find_program("runuser")
            if runuser is None:
                raise RuntimeError("runuser not found (package util-linux): cannot run as postgres")
            command = [str(runuser), "-u", "postgres", "--", *command]
        result = subprocess.run(
            command,
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            log = (
                self.log_file.read_text(errors="replace")[-4000:] if self.log_file.exists() else ""
            )
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{log}"
            )


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a safe database name: {name!r}")
    return name
