#!/usr/bin/env python3
"""A local Trino 476 for the tests and for trying the project on Trino: fetch | start | stop | status.

- ``fetch``  obtains ``io.trino:trino-server-core:476:tar.gz`` and the ``trino-iceberg`` and
  ``trino-memory`` plugin zips with Maven (by coordinates) and unpacks them into a cache outside the
  repository (``$SEGMENT_ANALYTICS_CACHE`` or ``~/.cache/segment-analytics``). Idempotent.
- ``start``  writes the configuration of one coordinator on 127.0.0.1 (Iceberg catalog ``iceberg`` on a
  file metastore under the run directory, a ``memory`` catalog holding the ``td_time_range`` test
  function), starts it with a Java >= 24 JDK, waits until ``/v1/info`` says ``starting: false`` and
  ``select 1`` answers, and prints one JSON line (host, port, pid, start_seconds, run_dir).
- ``stop``   stops the server of a run directory (SIGTERM, then SIGKILL after a timeout).
- ``status`` prints one JSON line describing the server of a run directory.

Every failure exits with status 1 and a message saying why; nothing is skipped silently.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

TRINO_VERSION = "476"
PLUGINS = ("iceberg", "memory")
MIN_JAVA_MAJOR = 24
HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_HEAP = "4G"
DEFAULT_START_TIMEOUT = 300.0
DEFAULT_STOP_TIMEOUT = 30.0
MAIN_CLASS = "io.trino.server.TrinoServer"

# td_time_range(time, start, end) as Treasure Data defines it: start inclusive, end exclusive, bounds
# are UTC dates or timestamps given as strings, a NULL bound is open. Stored as a SQL routine in the
# memory catalog and found unqualified through sql.path (see docs/trino.md).
FUNCTION_SCHEMA = "memory.td_functions"
_BOUND = (
    "to_unixtime(cast(concat({b}, case when length({b}) = 10 then ' 00:00:00' else '' end, ' UTC')"
    " as timestamp(3) with time zone))"
)
TD_FUNCTIONS = [
    f"create or replace function {FUNCTION_SCHEMA}.td_time_range(t {type_}, s varchar, e varchar) "
    "returns boolean called on null input deterministic "
    f"return (t is not null and (s is null or t >= {_BOUND.format(b='s')}) "
    f"and (e is null or t < {_BOUND.format(b='e')}))"
    for type_ in ("bigint", "integer", "double")
]


class TrinoServerError(RuntimeError):
    """Raised with a message that says what went wrong and what to do about it."""


@dataclass(frozen=True)
class Paths:
    """Where the unpacked server and one server instance's files live."""

    home: Path
    run_dir: Path

    @property
    def etc(self) -> Path:
        return self.run_dir / "etc"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "trino.pid"

    @property
    def state_file(self) -> Path:
        return self.run_dir / "trino.json"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "server.log"


def cache_root() -> Path:
    return Path(os.environ.get("SEGMENT_ANALYTICS_CACHE", Path.home() / ".cache" / "segment-analytics"))


def default_paths(run_dir: str | None = None) -> Paths:
    home = cache_root() / f"trino-{TRINO_VERSION}"
    run = Path(run_dir or os.environ.get("TRINO_RUN_DIR", cache_root() / f"trino-{TRINO_VERSION}-run"))
    return Paths(home=home, run_dir=run.resolve())


def _log(message: str) -> None:
    print(f"trino_server: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------- fetch


def _maven_repo() -> Path:
    return Path(os.environ.get("MAVEN_REPO", Path.home() / ".m2" / "repository"))


def _artifact_path(artifact: str, packaging: str) -> Path:
    return _maven_repo() / "io" / "trino" / artifact / TRINO_VERSION / f"{artifact}-{TRINO_VERSION}.{packaging}"


def _maven_get(artifact: str, packaging: str) -> Path:
    path = _artifact_path(artifact, packaging)
    if path.is_file():
        return path
    mvn = shutil.which("mvn")
    if mvn is None:
        raise TrinoServerError(
            f"cannot obtain Trino {TRINO_VERSION}: Maven (mvn) is not on PATH and {path} is not cached; "
            "install Maven (apt-get install maven) so io.trino artifacts can be fetched from Maven Central"
        )
    coords = f"io.trino:{artifact}:{TRINO_VERSION}:{packaging}"
    _log(f"downloading {coords} with Maven")
    proc = subprocess.run(
        [mvn, "-q", "-B", "dependency:get", f"-Dartifact={coords}", "-Dtransitive=false"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not path.is_file():
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        raise TrinoServerError(
            f"cannot obtain Trino {TRINO_VERSION}: `mvn dependency:get -Dartifact={coords}` failed "
            f"(exit {proc.returncode}); is Maven Central reachable?\n" + "\n".join(tail)
        )
    return path


def _unpack_server(tarball: Path, dest: Path) -> None:
    """Unpack the tarball (its top folder is trino-server-core-<v>/) so dest becomes the server home."""
    with tarfile.open(tarball) as tar:
        tar.extractall(dest, filter="tar")
    top = dest / f"trino-server-core-{TRINO_VERSION}"
    if not (top / "lib").is_dir():
        raise TrinoServerError(f"unexpected layout in {tarball}: no trino-server-core-{TRINO_VERSION}/lib")
    for child in top.iterdir():
        child.rename(dest / child.name)
    top.rmdir()


def _unpack_plugin(zip_path: Path, name: str, dest: Path) -> None:
    target = dest / "plugin" / name
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            file_name = Path(info.filename).name
            with archive.open(info) as src, open(target / file_name, "wb") as out:
                shutil.copyfileobj(src, out)


def fetch(paths: Paths) -> Path:
    """Obtain and unpack Trino into the cache; returns the server home. A no-op when cached."""
    marker = paths.home / ".complete"
    if marker.is_file():
        return paths.home
    tarball = _maven_get("trino-server-core", "tar.gz")
    zips = {name: _maven_get(f"trino-{name}", "zip") for name in PLUGINS}
    paths.home.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"trino-{TRINO_VERSION}.", dir=paths.home.parent))
    try:
        _log(f"unpacking Trino {TRINO_VERSION} into {paths.home}")
        _unpack_server(tarball, staging)
        for name, zip_path in zips.items():
            _unpack_plugin(zip_path, name, staging)
        (staging / ".complete").write_text(TRINO_VERSION + "\n")
        if paths.home.exists():
            shutil.rmtree(paths.home)
        staging.rename(paths.home)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return paths.home


# ---------------------------------------------------------------------------------------- java


def _java_major(java_home: Path) -> int | None:
    release = java_home / "release"
    if not (java_home / "bin" / "java").is_file():
        return None
    if release.is_file():
        for line in release.read_text().splitlines():
            if line.startswith("JAVA_VERSION="):
                version = line.split("=", 1)[1].strip().strip('"')
                head = version.split(".")[0]
                return int(head) if head.isdigit() else None
    return None


DEBIAN_JVM_DIR = "/usr/lib/jvm"  # where Debian installs JDKs; override with TRINO_JVM_DIR


def find_java_home() -> Path:
    """A JDK >= 24: $TRINO_JAVA_HOME, $JAVA_HOME, or the newest under $TRINO_JVM_DIR (Debian's JVM folder)."""
    candidates: list[Path] = []
    for var in ("TRINO_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var):
            candidates.append(Path(os.environ[var]))
    jvm_dir = Path(os.environ.get("TRINO_JVM_DIR", DEBIAN_JVM_DIR))
    if jvm_dir.is_dir():
        candidates.extend(sorted(jvm_dir.iterdir(), reverse=True))
    seen: list[str] = []
    for home in candidates:
        major = _java_major(home)
        seen.append(f"{home} ({major or 'not a JDK'})")
        if major is not None and major >= MIN_JAVA_MAJOR:
            return home
    raise TrinoServerError(
        f"cannot start Trino {TRINO_VERSION}: it needs Java {MIN_JAVA_MAJOR} or newer; none found among "
        + ", ".join(seen or ["(no candidates)"])
        + ". Set TRINO_JAVA_HOME to a JDK >= 24 (e.g. Temurin 25)."
    )


# ---------------------------------------------------------------------------------------- config


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def write_config(paths: Paths, port: int) -> None:
    """The etc/ tree of one coordinator on HOST:port with the iceberg, td and memory catalogs."""
    warehouse = paths.run_dir / "warehouse"
    for folder in (paths.etc / "catalog", warehouse / "metastore", warehouse / "metastore_td", paths.run_dir / "data",
                   paths.run_dir / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
    files = {
        "config.properties": [
            "coordinator=true",
            "node-scheduler.include-coordinator=true",
            f"http-server.http.port={port}",
            f"discovery.uri=http://{HOST}:{port}",
            "query.max-memory=2GB",
            "query.max-memory-per-node=1GB",
            # Keep every statement of a test session readable in system.runtime.queries.
            "query.max-history=20000",
            "query.min-expire-age=24h",
            # Treasure Data's limit, and Trino's default, stated explicitly: 1,000,000 characters.
            "query.max-length=1000000",
            f"sql.path={FUNCTION_SCHEMA}",
            "task.concurrency=2",
            "task.max-worker-threads=8",
            "catalog.management=static",
        ],
        "node.properties": [
            "node.environment=segment_analytics_test",
            "node.id=segment-analytics-local-1",
            f"node.data-dir={paths.run_dir / 'data'}",
        ],
        "log.properties": ["io.trino=INFO", "org.apache.iceberg=WARN", "org.apache.hadoop=WARN"],
        "catalog/iceberg.properties": [
            "connector.name=iceberg",
            "iceberg.catalog.type=TESTING_FILE_METASTORE",
            "hive.metastore.catalog.dir=local:///metastore",
            "fs.native-local.enabled=true",
            f"local.location={warehouse}",
        ],
        "catalog/memory.properties": ["connector.name=memory", "memory.max-data-per-node=256MB"],
        # Named like Treasure Data's catalog, so a profile with `database: td` on this server is
        # detected as a Treasure Data connection (orchestrate/warehouse/td_mode.py) in the tests.
        "catalog/td.properties": [
            "connector.name=iceberg",
            "iceberg.catalog.type=TESTING_FILE_METASTORE",
            "hive.metastore.catalog.dir=local:///metastore_td",
            "fs.native-local.enabled=true",
            f"local.location={warehouse}",
        ],
    }
    for name, lines in files.items():
        (paths.etc / name).write_text("\n".join(lines) + "\n")


def _jvm_options(paths: Paths, heap: str) -> list[str]:
    return [
        "-server",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-XX:G1HeapRegionSize=32M",
        "-XX:+ExplicitGCInvokesConcurrent",
        "-XX:+ExitOnOutOfMemoryError",
        "-XX:-OmitStackTraceInFastThrow",
        "-XX:ReservedCodeCacheSize=256M",
        "-XX:PerMethodRecompilationCutoff=10000",
        "-XX:PerBytecodeRecompilationCutoff=10000",
        "-XX:+EnableDynamicAgentLoading",
        "-XX:+UnlockDiagnosticVMOptions",
        "-XX:G1NumCollectionsKeepPinned=10000000",
        "-Djdk.attach.allowAttachSelf=true",
        "-Djdk.nio.maxCachedBufferSize=2000000",
        "-Dfile.encoding=UTF-8",
        "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow",
        f"-Djava.io.tmpdir={paths.run_dir / 'tmp'}",
    ]


def _server_command(paths: Paths, java_home: Path, heap: str) -> list[str]:
    props = [
        f"-Dconfig={paths.etc / 'config.properties'}",
        f"-Dlog.levels-file={paths.etc / 'log.properties'}",
        f"-Dcatalog.config-dir={paths.etc / 'catalog'}",
        f"-Dplugin.dir={paths.home / 'plugin'}",
    ]
    node = [line for line in (paths.etc / "node.properties").read_text().splitlines() if line]
    return [
        str(java_home / "bin" / "java"),
        *_jvm_options(paths, heap),
        *[f"-D{line}" for line in node],
        *props,
        "-cp",
        str(paths.home / "lib" / "*"),
        MAIN_CLASS,
    ]


# ---------------------------------------------------------------------------------------- process


def _read_pid(paths: Paths) -> int | None:
    try:
        pid = int(paths.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _is_our_server(pid, paths) else None


def _is_our_server(pid: int, paths: Paths) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    text = [part.decode(errors="replace") for part in cmdline]
    return MAIN_CLASS in text and f"-Dconfig={paths.etc / 'config.properties'}" in text


def _server_info(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/v1/info", timeout=2) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _log_tail(paths: Paths, lines: int = 40) -> str:
    try:
        return "\n".join(paths.log_file.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no server log)"


def run_sql(port: int, statements: list[str]) -> list[list]:
    """Run statements through the Trino Python client; returns the rows of the last one."""
    import trino  # the project's pinned client; imported here so fetch/stop work without it

    conn = trino.dbapi.connect(host=HOST, port=port, user="segment_analytics_admin", catalog="system")
    try:
        rows: list[list] = []
        for statement in statements:
            cur = conn.cursor()
            cur.execute(statement)
            rows = cur.fetchall()
        return rows
    finally:
        conn.close()


def _wait_ready(paths: Paths, proc: subprocess.Popen, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise TrinoServerError(
                f"Trino exited with status {proc.returncode} while starting; log {paths.log_file}:\n"
                + _log_tail(paths)
            )
        info = _server_info(port)
        if info is not None and info.get("starting") is False:
            try:
                if run_sql(port, ["select 1"]) == [[1]]:
                    return
            except Exception as exc:  # retried until the deadline
                _log(f"select 1 not answered yet: {type(exc).__name__}")
        time.sleep(0.5)
    raise TrinoServerError(
        f"Trino did not answer `select 1` within {timeout:.0f}s on port {port}; log {paths.log_file}:\n"
        + _log_tail(paths)
    )


def _install_functions(port: int) -> None:
    try:
        run_sql(port, ["create schema if not exists " + FUNCTION_SCHEMA, *TD_FUNCTIONS])
    except Exception as exc:
        raise TrinoServerError(f"Trino started but creating the td_time_range test function failed: {exc}") from exc


def start(paths: Paths, port: int | None, heap: str, timeout: float) -> dict:
    """Start (or reuse) the server of paths.run_dir; returns its state."""
    running = status(paths)
    if running["running"] and running.get("ready"):
        _log(f"already running (pid {running['pid']}, port {running['port']})")
        return running
    if running["running"]:
        stop(paths, DEFAULT_STOP_TIMEOUT)
    fetch(paths)
    java_home = find_java_home()
    chosen = _free_port() if not port else port
    if _port_in_use(chosen):
        raise TrinoServerError(
            f"cannot start Trino: port {chosen} on {HOST} is already in use; set TRINO_PORT "
            "to a free port (or 0 to pick one)"
        )
    paths.run_dir.mkdir(parents=True, exist_ok=True)
    write_config(paths, chosen)
    command = _server_command(paths, java_home, heap)
    began = time.monotonic()
    with open(paths.log_file, "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=paths.run_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "JAVA_HOME": str(java_home)},
        )
    paths.pid_file.write_text(f"{proc.pid}\n")
    try:
        _wait_ready(paths, proc, chosen, timeout)
        _install_functions(chosen)
    except BaseException:
        _terminate(proc.pid, DEFAULT_STOP_TIMEOUT)
        paths.pid_file.unlink(missing_ok=True)
        raise
    state = {
        "running": True,
        "ready": True,
        "host": HOST,
        "port": chosen,
        "pid": proc.pid,
        "version": TRINO_VERSION,
        "java_home": str(java_home),
        "start_seconds": round(time.monotonic() - began, 1),
        "run_dir": str(paths.run_dir),
        "log_file": str(paths.log_file),
    }
    paths.state_file.write_text(json.dumps(state) + "\n")
    _log(f"Trino {TRINO_VERSION} ready on {HOST}:{chosen} after {state['start_seconds']}s (pid {proc.pid})")
    return state


def _terminate(pid: int, timeout: float) -> bool:
    """SIGTERM, wait, then SIGKILL. Returns True when it had to kill."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
            if finished == pid:
                return False
        except ChildProcessError:
            if not Path(f"/proc/{pid}").exists():
                return False
        time.sleep(0.2)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def stop(paths: Paths, timeout: float) -> dict:
    pid = _read_pid(paths)
    if pid is None:
        paths.pid_file.unlink(missing_ok=True)
        _log(f"no Trino running for {paths.run_dir}")
        return {"running": False, "stopped": False}
    killed = _terminate(pid, timeout)
    paths.pid_file.unlink(missing_ok=True)
    _log(f"stopped Trino pid {pid}" + (" (killed after timeout)" if killed else ""))
    return {"running": False, "stopped": True, "killed": killed, "pid": pid}


def status(paths: Paths) -> dict:
    pid = _read_pid(paths)
    if pid is None:
        return {"running": False, "run_dir": str(paths.run_dir)}
    try:
        state = json.loads(paths.state_file.read_text())
    except (FileNotFoundError, ValueError):
        state = {}
    info = _server_info(state["port"]) if "port" in state else None
    return {
        **state,
        "running": True,
        "pid": pid,
        "ready": bool(info and info.get("starting") is False),
        "info": info,
    }


# ---------------------------------------------------------------------------------------- cli


def _default_port() -> int:
    raw = os.environ.get("TRINO_PORT", str(DEFAULT_PORT))
    if not raw.isdigit():
        raise TrinoServerError(f"TRINO_PORT must be a port number (or 0 for a free one), got {raw!r}")
    return int(raw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("fetch", "start", "stop", "status"))
    parser.add_argument("--run-dir", help="configuration, data and logs of this server instance")
    parser.add_argument("--port", type=int, help="HTTP port (default $TRINO_PORT or 8080; 0 = any free port)")
    parser.add_argument("--heap", default=os.environ.get("TRINO_HEAP", DEFAULT_HEAP), help="JVM -Xmx")
    parser.add_argument("--timeout", type=float, help="seconds to wait for start / stop")
    args = parser.parse_args(argv)
    paths = default_paths(args.run_dir)
    try:
        if args.command == "fetch":
            result: dict = {"home": str(fetch(paths)), "version": TRINO_VERSION}
        elif args.command == "start":
            port = args.port if args.port is not None else _default_port()
            result = start(paths, port, args.heap, args.timeout or DEFAULT_START_TIMEOUT)
        elif args.command == "stop":
            result = stop(paths, args.timeout or DEFAULT_STOP_TIMEOUT)
        else:
            result = status(paths)
    except TrinoServerError as exc:
        _log(f"error: {exc}")
        return 1
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
