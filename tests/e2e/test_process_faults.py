"""The real ``python -m bot`` when things go wrong: a database it cannot use, a token the gateway refuses, a
session Discord will not resume, and stop signals under traffic and during login."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import uuid
from pathlib import Path

import pytest

from bench import synth
from bot import loader
from tests.conftest import ROOT
from tests.e2e.processes import emulator_settings, finished, start_bot
from tests.emulator import Emulator
from tests.emulator.harness import DefaultWorld

TOKEN_REFUSED = "Discord refused the token: check DISCORD_TOKEN in .env (Developer Portal > Bot > Reset Token)."


def log_lines(log: str, level: str) -> list[str]:
    return [line for line in log.splitlines() if f" {level} " in line]


async def ready(emulator: Emulator) -> None:
    """Until the bot process is connected and has its server (its commands are synced before that)."""
    await emulator.wait_for("dispatch", lambda e: e["event"] == "GUILD_CREATE", timeout=30)


async def test_a_corrupt_database_is_one_line_and_an_exit(emulator: Emulator, tmp_path: Path) -> None:
    settings = emulator_settings(emulator, tmp_path)
    Path(settings["DATABASE_PATH"]).write_bytes(b"not a database at all, just some text " * 100)
    process = await start_bot(tmp_path, **settings)
    log = await finished(process, tmp_path)
    assert process.returncode == 1
    (line,) = log.strip().splitlines()
    assert f"cannot start: DATABASE_PATH {settings['DATABASE_PATH']}" in line and "not a database" in line


async def test_a_token_refused_by_the_gateway_is_one_line(emulator: Emulator, default_world, tmp_path: Path) -> None:
    # Refused at IDENTIFY, as Discord does: closing after it raced READY, and the bot then (rightly) reconnected.
    emulator.refuse_identify()
    process = await start_bot(tmp_path, **emulator_settings(emulator, tmp_path))
    log = await finished(process, tmp_path)
    assert process.returncode == 1
    assert [line.split(": ", 1)[1] for line in log_lines(log, "ERROR")] == [TOKEN_REFUSED]
    assert "Traceback" not in log


async def test_after_a_session_discord_will_not_resume_it_reconnects_to_the_same_gateway(
    emulator: Emulator, default_world: DefaultWorld, tmp_path: Path
) -> None:
    process = await start_bot(tmp_path, **emulator_settings(emulator, tmp_path))
    try:
        await ready(emulator)
        mark = emulator.mark()
        emulator.invalidate_session(resumable=False)  # op 9: identify again, with a new session
        await emulator.wait_for("identify", since=mark, timeout=30)
        await emulator.wait_for("dispatch", lambda e: e["event"] == "READY", since=mark, timeout=30)
        reply = await emulator.slash(default_world.guild, default_world.alice, "define", {"term": "rag"}).response()
        assert reply.embed["title"] == "Retrieval-Augmented Generation"
    finally:
        process.send_signal(signal.SIGTERM)
        log = await finished(process, tmp_path)
    assert process.returncode == 0 and "Traceback" not in log, log[-2000:]


async def test_sigterm_under_traffic_answers_every_interaction_and_exits_cleanly(
    emulator: Emulator, default_world: DefaultWorld, tmp_path: Path
) -> None:
    w = default_world
    process = await start_bot(tmp_path, **emulator_settings(emulator, tmp_path))
    await ready(emulator)
    names = ["genai", "llm", "rag", "transformer", "token", "qwerty", "mixture of experts", "lora"]
    in_flight = [emulator.slash(w.guild, w.alice, "define", {"term": names[n % len(names)]}) for n in range(80)]
    await emulator.wait_for("callback", timeout=30)  # the bot is answering: stop it now, mid-traffic
    process.send_signal(signal.SIGTERM)
    log = await finished(process, tmp_path)
    answers = [await ix.response() for ix in in_flight]
    assert process.returncode == 0, log[-2000:]
    assert "Traceback" not in log and log_lines(log, "ERROR") == []
    assert all(a.embed is not None or a.content for a in answers)  # a card, a did-you-mean, or "restarting"
    emulator.assert_answered_once()


async def test_sigterm_during_login_exits_quietly(emulator: Emulator, default_world, tmp_path: Path) -> None:
    login = emulator.hold("GET", "/users/@me")
    process = await start_bot(tmp_path, **emulator_settings(emulator, tmp_path))
    await login.reached.wait()
    process.send_signal(signal.SIGTERM)
    try:
        log = await finished(process, tmp_path)
    finally:
        login.release()
    assert process.returncode == 0, log[-2000:]
    assert "Traceback" not in log and log_lines(log, "ERROR") == []


async def test_a_stop_before_start_finishes_never_leaves_the_process_running(
    emulator: Emulator, default_world, tmp_path: Path
) -> None:
    gateway = emulator.hold("GET", "/gateway/bot")
    process = await start_bot(tmp_path, **emulator_settings(emulator, tmp_path))
    await gateway.reached.wait()
    process.send_signal(signal.SIGINT)  # Ctrl-C while connecting
    try:
        log = await finished(process, tmp_path)
    finally:
        gateway.release()
    assert process.returncode == 0 and "Traceback" not in log, log[-2000:]


def _processes_marked(marker: str) -> list[tuple[int, str]]:
    """(pid, command line) of every running process whose environment has ``marker`` (inherited by children)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "environ").read_bytes():
                found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


async def _drained(stream: asyncio.StreamReader) -> list[str]:
    return [line.decode() async for line in stream]


@pytest.mark.parametrize("stop", ["SIGTERM to the bot", "Ctrl-C in its terminal"])
async def test_a_stop_during_the_first_load_of_a_large_glossary_leaves_no_process(tmp_path: Path, stop: str) -> None:
    """A large glossary is parsed by worker processes for seconds before the bot connects; a stop then calls the
    parse off after the files under way, and the bot exits 0 with its workers and index helper gone, none
    orphaned. Ctrl-C reaches every process of the terminal's group, the workers too: only the bot answers it."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("a glossary is parsed by worker processes only on a machine with two CPUs or more")
    glossary = tmp_path / "glossary"
    glossary.mkdir()
    terms = synth.generate(12_000, seed=5)
    for number, start in enumerate(range(0, len(terms), 200)):  # 60 files: the parse can stop between them
        text = synth.to_yaml(terms[start : start + 200], "Large" if number == 0 else None)
        (glossary / f"part-{number:02d}.yaml").write_text(text, encoding="utf-8")
    assert sum(f.stat().st_size for f in glossary.iterdir()) >= loader.PARALLEL_BYTES  # parsed by processes
    marker = f"GLOSSARY_BOT_TEST_{uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEV_GUILD_ID": "", marker: "1", "LOG_LEVEL": "DEBUG"}
    env |= {
        "DISCORD_TOKEN": "not-a-real-token-0123456789",
        "DISCORD_API_BASE": "http://127.0.0.1:9",
        "GLOSSARY_PATH": str(glossary),
    }
    env["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE, start_new_session=True
    )  # its own process group, as in a terminal
    assert process.stderr is not None
    lines: list[str] = []
    try:
        while "parsing 60 files in 2 processes" not in (lines[-1] if lines else ""):  # the parse is under way
            line = await asyncio.wait_for(process.stderr.readline(), 60)
            assert line, "".join(lines)
            lines.append(line.decode())
        if stop == "SIGTERM to the bot":
            process.send_signal(signal.SIGTERM)
        else:
            os.killpg(process.pid, signal.SIGINT)
        lines += await asyncio.wait_for(_drained(process.stderr), 60)  # to its end: every process has exited
        await asyncio.wait_for(process.wait(), 60)
        log = "".join(lines)
        assert process.returncode == 0, log[-2000:]
        assert "stop signal received" in log and "Traceback" not in log and "glossary 'Large' loaded" not in log
        called_off = re.search(r"glossary parse called off after (\d+) of 60 files", log)
        assert called_off is not None and int(called_off[1]) < 60, log[-2000:]  # not every file was parsed
        # multiprocessing's resource tracker ends by itself once the bot has gone: only workers would be orphans
        assert [command for _, command in _processes_marked(marker) if "resource_tracker" not in command] == []
    finally:
        for pid, _ in _processes_marked(marker):  # orphans of a failed run must not outlive the test
            os.kill(pid, signal.SIGKILL)
