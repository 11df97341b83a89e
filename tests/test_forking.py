"""Children of the fork server (tests/forking.py) behave as ``python -c CODE ARGS`` would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from forking import Forked

PROGRAM = """
import atexit, os, sys
atexit.register(lambda: print("exit handlers ran", file=sys.stderr))
fields = [__name__, sys.argv, os.getcwd(), os.environ.get("ONLY_HERE"), os.getpid(), os.getppid()]
print("|".join(map(str, fields)))
sys.exit(int(sys.argv[1]))
"""


@pytest.mark.parametrize("status", [0, 3])
def test_a_child_runs_like_python_c_in_a_process_of_its_own(
    fork: Callable[..., Forked], tmp_path: Path, status: int
) -> None:
    env = {**os.environ, "ONLY_HERE": "yes"}
    proc = fork(PROGRAM, str(status), "two words", env=env, cwd=tmp_path)
    out, err = proc.communicate(timeout=30)
    fresh = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(status), "two words"],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(Path(__file__).parents[1])},
        cwd=tmp_path,
        timeout=60,
    )
    name, argv, cwd, only_here, pid, parent = out.rstrip("\n").split("|")
    assert (
        (proc.returncode, err)
        == (fresh.returncode, fresh.stderr)
        == (status, "exit handlers ran\n")
    )
    assert [name, argv, cwd, only_here] == fresh.stdout.split("|")[:4]
    assert [name, argv, cwd, only_here] == [
        "__main__",
        str(["-c", str(status), "two words"]),
        str(tmp_path),
        "yes",
    ]
    assert int(pid) == proc.pid and int(parent) not in (os.getpid(), proc.pid)


def test_a_signal_ends_a_child_with_that_signal(fork: Callable[..., Forked]) -> None:
    proc = fork("import time; print('up', flush=True); time.sleep(60)")
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(0.2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == -signal.SIGTERM
    proc.kill()  # a child that ended: nothing is sent
    assert proc.communicate(1) == ("up\n", "")
