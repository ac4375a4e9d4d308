"""Worker processes are started deaf to Ctrl-C, which the bot alone answers (and stops them itself)."""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.conftest import ROOT

# Run in a fresh interpreter: the first process it spawns also starts multiprocessing's resource tracker, which
# unblocks SIGINT in the spawning thread (the case that let a helper die of a Ctrl-C while importing).
FIRST_SPAWN = """
import signal
from bot.subprocesses import deaf_to_interrupts, spawn_context

def report(conn):
    conn.send(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))

if __name__ == "__main__":
    context = spawn_context()
    parent, child = context.Pipe()
    with deaf_to_interrupts():
        process = context.Process(target=report, args=(child,))
        process.start()
        inside = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    process.join()
    after = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    print(parent.recv(), inside, after)
"""


def test_a_process_started_deaf_never_gets_sigint_and_the_starter_hears_it_again(tmp_path) -> None:
    script = tmp_path / "first_spawn.py"
    script.write_text(FIRST_SPAWN, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    child_blocked, blocked_inside, blocked_after = run.stdout.split()
    assert child_blocked == "True"  # the child: blocked from its first instruction, imports included
    assert blocked_inside == "True" and blocked_after == "False"  # the starter: only for the block
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # this test process untouched
