"""``/define`` throughput with the bot in its own process: what one bot process costs per interaction.

The emulator (``tests.emulator``) and the traffic it sends run here; the bot is the real ``python -m bot``,
started as a child process against the emulator with its own SQLite file. So the figures are the bot's alone:
its CPU time (user + system, read from ``/proc/<pid>/stat`` before and after the series) divided by the
interactions it answered, and the interactions answered per second at concurrency 50. Throughput is bounded by
whichever side saturates first: on a machine with two cores the emulator, which does Discord's share of the
work in Python, is usually the slower one, so the CPU time per interaction is the figure to plan with (one
CPU-second of the bot answers ``1000 / cpu_ms`` interactions).

The same series is then sent to :mod:`bench.floor_bot`, a discord.py bot that answers every ``/define`` with
one fixed card and does nothing else (``"floor"`` in the result): what discord.py itself costs per
interaction on this machine, the part of the bot's figure no change in the bot can save.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from bench.roundtrip import WARMUP, _one, _series, _traffic
from bench.synth import read_queries
from bench.timing import CLOCK_TICKS

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far (Linux); None where /proc is not available."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return None
    fields = stat.read_text().rsplit(")", 1)[1].split()  # after "(comm)": state is field 3, utime 14, stime 15
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


BOT = ("-m", "bot", "run")
FLOOR = ("-m", "bench.floor_bot")  # discord.py alone: what the bot's own code is measured against


async def _start_bot(emu: Any, args: dict[str, Any], log: Path, command: tuple[str, ...]) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DISCORD_TOKEN": emu.token,
        "DISCORD_API_BASE": emu.api_base,
        "DATABASE_PATH": args["db"],  # absolute: the bot runs in another folder
        "GLOSSARY_PATH": args["glossary"],
        "DEV_GUILD_ID": "",
        "DATABASE_URL": "",
        "SHARD_COUNT": "",
        "SHARD_IDS": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, *command, cwd=log.parent, env=env, stdout=out, stderr=out
        )


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-500:]


async def _ready(emu: Any, bot: asyncio.subprocess.Process, log: Path) -> None:
    """Until the bot has its server; a bot that exits instead fails the measurement with its log."""
    ready = asyncio.ensure_future(emu.wait_for("dispatch", lambda e: e["event"] == "GUILD_CREATE", timeout=300))
    exited = asyncio.ensure_future(bot.wait())
    await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():
        ready.cancel()
        raise RuntimeError(f"the bot exited with {bot.returncode}: {_tail(log)}")
    exited.cancel()
    ready.result()


async def measure_throughput(args: dict[str, Any]) -> dict[str, Any]:
    """``/define`` at concurrency 50 against the bot, then against :mod:`bench.floor_bot` (``"floor"``)."""
    try:
        import tests.emulator  # noqa: F401
    except ImportError as exc:
        return {"not_measured": f"the emulator is not importable: {exc}"}
    result = await _measure(args, BOT, Path(args["db"]).with_suffix(".log"))
    if "not_measured" not in result:
        from bench.floor_bot import BUTTONS

        floor = await _measure(args, FLOOR, Path(args["db"]).with_suffix(".floor.log"))
        result["floor"] = {**floor, "buttons": BUTTONS}
    return result


async def _measure(args: dict[str, Any], command: tuple[str, ...], log: Path) -> dict[str, Any]:
    """Start the emulator here and ``command`` as a process; ``/define`` at concurrency 50, the process's CPU time."""
    from tests.emulator import Emulator
    from tests.emulator.harness import seed_default_world

    queries = read_queries(Path(args["queries"]))
    seed, count = int(args["seed"]), int(args["requests"])
    async with Emulator() as emu:
        world = seed_default_world(emu)
        bot = await _start_bot(emu, args, log, command)
        try:
            await _ready(emu, bot, log)
            for text, _ in _traffic(queries, WARMUP, seed - 1):
                await _one(emu, world, text)
            before, started, here = cpu_seconds(bot.pid), time.perf_counter(), time.process_time()
            series = await _series(emu, world, _traffic(queries, count, seed + 2), 50)
            after, wall = cpu_seconds(bot.pid), time.perf_counter() - started
            here = time.process_time() - here
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), 30)
    if before is None or after is None:
        return {"not_measured": "the bot's CPU time cannot be read here (/proc is needed)"}
    return {
        "interactions": series["n"],
        "per_second": series["per_second"],
        "p50_us": series["p50_us"],
        "p99_us": series["p99_us"],
        "bot_cpu_ms_per_interaction": (after - before) * 1000 / series["n"],
        "bot_cpu_share": (after - before) / wall,
        "emulator_cpu_s": here,
        "exit_code": bot.returncode,
        "log_tail": _tail(log) if bot.returncode else "",
    }
