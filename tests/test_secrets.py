"""Secrets come from the settings file, the environment or a secret file, and are never shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trustme
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.config import SettingsError, load_settings
from tests.notify.test_email import PASSWORD, USER, ServerFactory, ca, smtp_server

__all__ = ["ca", "smtp_server"]
CHANNEL = """
[[channels]]
kind = "email"
name = "security-mail"
host = "127.0.0.1"
port = {port}
username = "sentinel"
sender = "sentinel@example.nl"
recipients = ["security@example.nl"]
ca_certs = "{ca}"
"""
HOOK = """
[[channels]]
kind = "webhook"
name = "ticketing"
url = "https://tickets.example.nl/hooks/sentinel"
"""
SOURCE = """
[[sources]]
name = "crm-api"
kind = "http"
url = "https://crm.example.nl/audit"
[sources.auth]
header = "X-Api-Key"
scheme = ""
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SENTINEL_")]:
        monkeypatch.delenv(name)


def secret_file(tmp_path: Path, name: str, value: str) -> Path:
    path = tmp_path / "secrets" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(value + "\n")
    return path


def test_every_secret_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {n: secret_file(tmp_path, n, f"{n}-value") for n in ("pw", "hmac", "key", "dir", "tok")}
    (tmp_path / "sentinel.toml").write_text(
        CHANNEL.format(port=25, ca="")
        + f'password_file = "{files["pw"]}"\n'
        + HOOK
        + f'secret_file = "{files["hmac"]}"\n'
        + SOURCE
        + f'token_file = "{files["tok"]}"\n'
        + f'[elasticsearch.auth]\napi_key_file = "{files["key"]}"\n'
    )
    monkeypatch.setenv("SENTINEL_MEMBER_DIRECTORY", "https://crm.example.nl/members")
    monkeypatch.setenv("SENTINEL_MEMBER_DIRECTORY_TOKEN_FILE", str(files["dir"]))

    s = load_settings()

    email, hook = s.channels
    assert email.password is not None and email.password.get_secret_value() == "pw-value"
    assert hook.secret is not None and hook.secret.get_secret_value() == "hmac-value"
    assert s.sources[0].auth.token.get_secret_value() == "tok-value"  # type: ignore[union-attr]
    assert s.elasticsearch.auth.api_key.get_secret_value() == "key-value"  # type: ignore[union-attr]
    assert s.member_directory_token.get_secret_value() == "dir-value"  # type: ignore[union-attr]
    assert "pw-value" not in repr(s) and "tok-value" not in str(s)


def test_a_field_of_a_channel_or_source_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sentinel.toml").write_text(
        CHANNEL.format(port=25, ca="") + HOOK + SOURCE + 'token = "from-the-file"\n'
    )
    monkeypatch.setenv("SENTINEL_CHANNELS__SECURITY_MAIL__PASSWORD", "by-name")
    monkeypatch.setenv("SENTINEL_CHANNELS__1__SECRET", "by-number")
    monkeypatch.setenv("SENTINEL_SOURCES__CRM_API__AUTH__TOKEN", "nested")

    s = load_settings()

    assert [c.name for c in s.channels] == ["security-mail", "ticketing"]  # the list stays
    assert s.channels[0].password.get_secret_value() == "by-name"  # type: ignore[union-attr]
    assert s.channels[1].secret.get_secret_value() == "by-number"  # type: ignore[union-attr]
    assert s.sources[0].auth.token.get_secret_value() == "nested"  # type: ignore[union-attr]


def test_mistakes_are_named_without_showing_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sentinel.toml").write_text(CHANNEL.format(port=25, ca=""))
    monkeypatch.setenv("SENTINEL_CHANNELS__SECURITY__PASSWORD", "hunter2")
    with pytest.raises(SettingsError) as wrong_name:
        load_settings()
    assert "SENTINEL_CHANNELS__SECURITY__PASSWORD names no channel 'security'" in str(
        wrong_name.value
    )
    assert "(channels: security-mail)" in str(wrong_name.value)
    assert "hunter2" not in str(wrong_name.value)

    monkeypatch.delenv("SENTINEL_CHANNELS__SECURITY__PASSWORD")
    (tmp_path / "sentinel.toml").write_text(
        CHANNEL.format(port=25, ca="").replace('sender = "sentinel@example.nl"\n', "")
        + 'password = "hunter2"\n'
    )
    with pytest.raises(SettingsError) as missing:
        load_settings()
    assert "SENTINEL_CHANNELS__<channel name>__SENDER" in str(missing.value)
    assert "hunter2" not in str(missing.value)

    (tmp_path / "sentinel.toml").write_text(
        CHANNEL.format(port=25, ca="") + 'password = "hunter2"\npassword_file = "/run/x"\n'
    )
    with pytest.raises(SettingsError, match="give password or password_file, not both"):
        load_settings()
    (tmp_path / "sentinel.toml").write_text(
        CHANNEL.format(port=25, ca="") + 'password_file = "/run/secrets/none"\n'
    )
    with pytest.raises(SettingsError, match=r"password_file /run/secrets/none: cannot read it"):
        load_settings()


def test_notify_test_logs_in_with_the_password_from_the_environment(
    tmp_path: Path, smtp_server: ServerFactory, ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, port = smtp_server()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    (tmp_path / "sentinel.toml").write_text(CHANNEL.format(port=port, ca=tmp_path / "ca.pem"))
    assert USER == "sentinel"
    env = {"SENTINEL_CHANNELS__SECURITY_MAIL__PASSWORD": PASSWORD}

    sent = CliRunner().invoke(app, ["notify", "test", "security-mail"], env=env)

    assert sent.exit_code == 0, sent.output
    assert len(mailbox.received) == 1
    assert PASSWORD not in sent.output
    refused = CliRunner().invoke(app, ["notify", "test", "security-mail"], env={})
    assert refused.exit_code == 1 and "refused the login" in " ".join(refused.output.split())
