"""The operator's side: settings from the environment, the CLI commands, and logs that never show the token."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.logs import RedactingFormatter
from bot.settings import DEFAULT_API_BASE, DEFAULT_GLOSSARY, Settings, SettingsError
from bot.shards import Shards
from tests.conftest import SHIPPED

TOKEN = "MTA4NzY1NDMyMTA5ODc2NTQzMg.GhIjKl.abcdefghijklmnopqrstuvwxyz012345"


def test_settings_defaults_and_overrides() -> None:
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN})
    assert settings.glossary_path == DEFAULT_GLOSSARY
    assert settings.api_base == DEFAULT_API_BASE
    assert settings.dev_guild_id is None and settings.log_level == "INFO"
    custom = Settings.from_env(
        {
            "DISCORD_TOKEN": TOKEN,
            "GLOSSARY_PATH": "/g",
            "DATABASE_PATH": "/d.sqlite3",
            "DEV_GUILD_ID": "123",
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10/",
            "LOG_LEVEL": "debug",
        }
    )
    assert (custom.glossary_path, custom.database_path) == (Path("/g"), Path("/d.sqlite3"))
    assert custom.dev_guild_id == 123 and custom.log_level == "DEBUG"
    assert custom.api_base == "http://127.0.0.1:9/api/v10"
    assert custom.database == Path("/d.sqlite3") and custom.shards == Shards()


def test_database_url_and_shards_from_the_environment_and_the_command_line() -> None:
    url = "postgresql://bot:s3cret-pass@db.internal/glossary"
    env = {"DISCORD_TOKEN": TOKEN, "DATABASE_URL": url, "SHARD_COUNT": "16", "SHARD_IDS": "0-3, 6,8-9"}
    settings = Settings.from_env(env)
    assert settings.database == url and "s3cret-pass" not in repr(settings)
    assert settings.shards == Shards(16, frozenset({0, 1, 2, 3, 6, 8, 9}))
    assert settings.with_shards(None, "8-15").shards == Shards(16, frozenset(range(8, 16)))
    assert settings.with_shards("4", "0-3").shards == Shards(4)  # every shard of four: this process runs all
    assert Settings.from_env({"DISCORD_TOKEN": TOKEN, "SHARD_COUNT": "4"}).shards == Shards(4)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DISCORD_TOKEN is not set"),
        ({"DISCORD_TOKEN": "x", "DEV_GUILD_ID": "abc"}, "DEV_GUILD_ID must be a server id"),
        ({"DISCORD_TOKEN": "x", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"DISCORD_TOKEN": "x", "DISCORD_API_BASE": "ftp://x"}, "DISCORD_API_BASE must be an http(s) URL"),
        ({"DISCORD_TOKEN": "x", "DATABASE_URL": "mysql://u:pw@h/db"}, "DATABASE_URL must start with postgresql://"),
        ({"DISCORD_TOKEN": "x", "SHARD_COUNT": "0"}, "SHARD_COUNT must be a number of shards from 1"),
        ({"DISCORD_TOKEN": "x", "SHARD_IDS": "0-3"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"DISCORD_TOKEN": "x", "SHARD_COUNT": "8", "SHARD_IDS": "4-8"}, "SHARD_IDS must lie between 0 and 7"),
        ({"DISCORD_TOKEN": "x", "SHARD_COUNT": "8", "SHARD_IDS": "0-999999999999"}, "must lie between 0 and 7"),
        ({"DISCORD_TOKEN": "x", "SHARD_COUNT": "8", "SHARD_IDS": "3-1"}, "ranges like 0-7"),
    ],
)
def test_bad_settings_say_what_to_fix(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        Settings.from_env(env)


def test_settings_repr_hides_the_token() -> None:
    assert TOKEN not in repr(Settings.from_env({"DISCORD_TOKEN": TOKEN}))


def test_log_formatter_redacts_tokens() -> None:
    formatter = RedactingFormatter("%(message)s", secret="plain-secret")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, f"auth {TOKEN} and plain-secret", None, None)
    text = formatter.format(record)
    assert TOKEN not in text and "plain-secret" not in text and text.count("[token]") == 2


def test_check_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert "Generative AI Glossary" in out and "errors:     0" in out and "warnings:   0" in out
    terms = int(next(line for line in out.splitlines() if "terms:" in line).split()[-1])
    assert terms >= 100
    assert main(["check", "--strict", str(SHIPPED)]) == 0


def test_check_counts_then_lists_every_problem_and_strict_fails_on_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = "".join(f"  - term: T{n}\n    definition: d\n    depth: {n}\n    related: [B{n}]\n" for n in range(60))
    (tmp_path / "g.yaml").write_text("terms:\n" + entries + "  - term: Stub\n")
    assert main(["check", str(tmp_path)]) == 0  # servable: warnings only
    out = capsys.readouterr().out
    assert "  terms:      61\n" in out and "  warnings:   62\n" in out
    counts = out.split("warnings:   62\n")[1].splitlines()[:3]
    assert counts == [
        "      60 warning: dangling related",
        "       1 warning: no definition",
        "       1 warning: unknown key",
    ]
    listed = [line for line in out.splitlines() if line.startswith("g.yaml:")]
    assert len(listed) == 62  # every one, no cap
    assert "g.yaml:5: related 'B0' of 'T0' is not in the glossary: dropped [warning]" in listed
    assert "g.yaml:4: unknown key 'depth' ignored (60 entries) [warning]" in listed
    assert main(["check", "--strict", str(tmp_path)]) == 1
    (tmp_path / "g.yaml").write_text("terms:\n  - definition: no name\n")
    (tmp_path / "h.yaml").write_text("terms:\n  - term: [broken\n")
    assert main(["check", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "not servable: 2 error(s)" in captured.err
    assert "       1 error: no name\n       1 error: syntax\n" in captured.out
    assert "g.yaml:2: an entry has no 'term' (its name) [error]" in captured.out


def test_card_as_text_and_as_exact_payload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "cli.sqlite3"))
    monkeypatch.setenv("GLOSSARY_PATH", str(SHIPPED))
    assert main(["card", "LLMs"]) == 0
    assert capsys.readouterr().out.startswith("Large Language Model\n====")
    assert main(["card", "genai", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["embeds"][0]["title"] == "Generative AI"
    assert payload["allowed_mentions"] == {"parse": []}
    assert payload["components"][0]["components"][0]["custom_id"].startswith("gb:t:")
    assert main(["card", "difusion"]) == 1
    assert "Did you mean" in capsys.readouterr().err


ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_VALUES = {
    "DISCORD_TOKEN": TOKEN.replace("abc", "xyz"),
    "GLOSSARY_PATH": "/glossaries/ours",
    "DATABASE_PATH": "/var/lib/glossary.sqlite3",
    "DATABASE_URL": "postgresql://bot@db:5432/glossary",
    "SHARD_COUNT": "4",
    "SHARD_IDS": "2-3",
    "DEV_GUILD_ID": "123456789012345678",
    "DISCORD_API_BASE": "http://127.0.0.1:9999/api/v10",
    "LOG_LEVEL": "DEBUG",
}


def test_every_setting_in_env_example_is_read_and_documented() -> None:
    """Each key of .env.example changes Settings when set, and has a row in the README's settings table."""
    keys = re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.MULTILINE)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert sorted(keys) == sorted(EXAMPLE_VALUES)
    for key in keys:
        assert f"| `{key}` |" in readme, f"{key} is not in the README's settings table"
        # Shard ids mean something only with a shard count: compare with the count alone.
        env = {"DISCORD_TOKEN": TOKEN, **({"SHARD_COUNT": "4"} if key == "SHARD_IDS" else {})}
        changed = Settings.from_env({**env, key: EXAMPLE_VALUES[key]})
        assert changed != Settings.from_env(env), f"{key} in .env.example is not read by Settings"
