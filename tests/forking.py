"""Child processes forked from one warmed-up interpreter: a fork server for tests that start many.

    server = ForkServer("bot.cli", "bot.app")  # imports them once, in a child process
    proc = server.start(CODE, "arg", env=env)  # like Popen([python, "-c", CODE, "arg"], env=env)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)

Every process of briefbot pays ~0.7 CPU-s of imports (numpy, sqlite-utils) before it does
anything, ~1.5 CPU-s with python-telegram-bot; a test that kills an ingest at a dozen points paid
that a dozen times. The server imports the modules once and forks a child per request. Each child
is still a process of its own -- its own pid, signals, exit status, environment, working folder and
output files -- and runs ``CODE`` as ``python -c CODE ARGS`` would: as ``__main__``, with
``sys.argv == ["-c", *ARGS]``, exit handlers run at the end, and the status of the signal that
killed it. What differs from a fresh interpreter is only that the modules were imported before.

The server forks while it is the only thread of its process (numpy's BLAS is held to one thread),
so a child never inherits a lock held by another thread.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

SERVER = r"""
import atexit, builtins, io, json, os, select, signal, sys, traceback, types

for name in sys.argv[1:]:
    module, _, call = name.partition(":")
    __import__(module)
    if call:
        getattr(sys.modules[module], call)()

wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda signum, frame: None)
children = {}  # pid -> request id


def send(message):
    os.write(1, (json.dumps(message) + "\n").encode())  # one short write: atomic on a pipe


def stream(fd, unbuffered, **options):
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(
        raw if unbuffered else io.BufferedWriter(raw), write_through=unbuffered, **options
    )


def exit_code(exc):
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 1


def run_child(request):
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.close(wake_r)
        os.close(wake_w)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(target, fd)
            os.close(target)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
        sys.stdin = open(0, closefd=False)
        sys.stdout = stream(1, unbuffered)
        sys.stderr = stream(2, unbuffered, line_buffering=True, errors="backslashreplace")
        sys.argv = ["-c", *request["args"]]
        main = types.ModuleType("__main__")
        main.__builtins__ = builtins
        sys.modules["__main__"] = main
        try:
            exec(compile(request["code"], "<string>", "exec"), main.__dict__)
            code = 0
        except SystemExit as exc:
            code = exit_code(exc)
        except BaseException:
            traceback.print_exc()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


buffer = b""
reading = True
while reading or children:
    ready, _, _ = select.select([0, wake_r] if reading else [wake_r], [], [])
    if wake_r in ready:
        os.read(wake_r, 4096)
    while children:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            break
        send({"id": children.pop(pid), "returncode": os.waitstatus_to_exitcode(status)})
    if 0 in ready:
        data = os.read(0, 65536)
        reading = bool(data)
        if not reading:  # the test process closed us (or died): no child outlives it
            for pid in children:
                os.kill(pid, signal.SIGKILL)
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            request = json.loads(line)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                run_child(request)
            children[pid] = request["id"]
            send({"id": request["id"], "pid": pid})
"""


class ForkServer:
    """A child process that imports ``modules`` once, then forks a child per :meth:`start`.

    A module named ``"module:function"`` is imported and ``function()`` called once, before any
    child is forked (e.g. a cached ``tls_context`` that every child would otherwise make).
    """

    def __init__(self, *modules: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"}
        self._proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, *modules],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=REPO,
            env=env,
        )
        self._ids = itertools.count(1)
        self._replies: dict[int, dict[str, Any]] = {}
        self._done = False
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, name="ForkServer reader", daemon=True)
        self._reader.start()
        self._output = tempfile.TemporaryDirectory(prefix="forked-")

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            message = json.loads(line)
            with self._cond:
                self._replies.setdefault(message["id"], {}).update(message)
                self._cond.notify_all()
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def reply(self, request_id: int, key: str, timeout: float | None) -> Any:
        """Return ``key`` of the server's reply about request ``request_id``, waiting up to
        ``timeout`` seconds (None: as long as it takes) for it.

        Raises:
            subprocess.TimeoutExpired: if it did not come in time.
        """
        with self._cond:
            if not self._cond.wait_for(
                lambda: key in self._replies.get(request_id, {}) or self._done, timeout
            ):
                raise subprocess.TimeoutExpired(f"forked child {request_id}", timeout or 0)
            if key not in self._replies.get(request_id, {}):
                raise RuntimeError(f"the fork server ended (exit status {self._proc.wait(10)})")
            return self._replies[request_id][key]

    def start(
        self,
        code: str,
        *args: str,
        env: dict[str, str] | None = None,
        cwd: Path | str | None = None,
        stdout: Path | None = None,
        stderr: Path | None = None,
    ) -> Forked:
        """Return the child running ``python -c CODE ARGS``.

        Args:
            code: the program, run as ``__main__``.
            args: its ``sys.argv[1:]``.
            env: its whole environment (default: this process's).
            cwd: its working folder (default: the project's).
            stdout: a file its output is appended to (default: a new file, read by
                ``communicate``).
            stderr: the same for its error output (pass ``stdout`` again for both in one file).
        """
        request_id = next(self._ids)
        folder = Path(self._output.name)
        request = {
            "id": request_id,
            "code": code,
            "args": list(args),
            "env": dict(os.environ if env is None else env),
            "cwd": str(cwd or REPO),
            "stdout": str(stdout or folder / f"{request_id}.out"),
            "stderr": str(stderr or folder / f"{request_id}.err"),
        }
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        self._proc.stdin.flush()
        return Forked(self, request_id, Path(request["stdout"]), Path(request["stderr"]))

    def close(self) -> None:
        """Stop the server: it kills the children still running, and ends once they have."""
        assert self._proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self._proc.stdin.close()
        try:
            self._proc.wait(30)
        finally:
            if self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait()
            self._reader.join(10)
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._output.cleanup()


class Forked:
    """A child of the fork server, used like ``subprocess.Popen`` (text output)."""

    def __init__(self, server: ForkServer, request_id: int, stdout: Path, stderr: Path) -> None:
        self._server = server
        self._id = request_id
        self._stdout = stdout
        self._stderr = stderr
        self.pid: int = server.reply(request_id, "pid", 60)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """Return the exit status (``-N`` for signal N), or None while it runs."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self.wait(0)
        return None

    def wait(self, timeout: float | None = None) -> int:
        """Return the exit status once it has ended.

        Raises:
            subprocess.TimeoutExpired: if it still runs after ``timeout`` seconds.
        """
        if self.returncode is None:
            self.returncode = int(self._server.reply(self._id, "returncode", timeout))
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the child, unless it has ended."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """Kill the child (SIGKILL)."""
        self.send_signal(signal.SIGKILL)

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """Return its output and error output once it has ended (waiting up to ``timeout``)."""
        self.wait(timeout)
        out, err = (p.read_text(errors="replace") if p.exists() else "" for p in self._files())
        return out, err

    def _files(self) -> tuple[Path, Path]:
        return self._stdout, self._stderr


# -- briefbot in a mount namespace of its own (a read-only folder, a small disk) ---------------

IN_NAMESPACE = """
import ctypes, os, shutil, subprocess, sys
from bot.cli import main
mounts, args = sys.argv[1], sys.argv[2:]
if mounts:  # a mount namespace of its own (unshare -m), private, with these mounts in it
    if ctypes.CDLL(None, use_errno=True).unshare(0x00020000) != 0:  # CLONE_NEWNS
        raise OSError(ctypes.get_errno(), "unshare")
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    for mount in mounts.split("\\n"):
        if mount.startswith("cp\\t"):  # a file copied onto what was mounted
            shutil.copyfile(*mount.split("\\t")[1:])
        else:
            subprocess.run(["mount", *mount.split("\\t")], check=True)
sys.argv = ["briefbot", *args]
try:
    main()
finally:  # what is left in a folder of the namespace once briefbot has ended
    if os.environ.get("LIST_AFTER"):
        print("left:", sorted(os.listdir(os.environ["LIST_AFTER"])), file=sys.stderr)
"""
"""``briefbot ARGS`` in a child forked from the fork server (briefbot imported: a new interpreter
costs ~0.6 CPU-s), in a mount namespace of its own with MOUNTS mounted (``mount`` arguments,
tab-separated, a line each; a line ``cp SOURCE TARGET`` copies a file there) where MOUNTS is not
empty."""


def briefbot_in_namespace(
    fork: Callable[..., Forked], mounts: list[list[str]], *args: str, list_after: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run briefbot ARGS in a child of ``fork`` (the ``fork`` fixture) with ``mounts`` (and
    ``["cp", SOURCE, TARGET]`` copies) in a mount namespace of its own; with ``list_after``, a
    folder, its last line of error output is ``left: [NAMES]``, what that folder holds at the
    end."""
    env = {**os.environ, "LIST_AFTER": list_after}
    proc = fork(IN_NAMESPACE, "\n".join("\t".join(m) for m in mounts), *args, env=env)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def can_mount() -> bool:
    """Return whether a test can mount a small disk of its own (root, mount namespaces)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0
