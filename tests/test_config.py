"""Settings: a wrong setting stops start-up with a message naming it and the fix."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from sentinel.config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No sentinel.toml, .env or SENTINEL_* variables from the developer's shell."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("SENTINEL_")]:
        monkeypatch.delenv(name)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sentinel.toml"
    path.write_text(text)
    return path


def test_defaults_are_the_embedded_store_in_amsterdam_time() -> None:
    s = load_settings()
    assert s.store_url == "sqlite:///var/sentinel.db"
    assert s.timezone == "Europe/Amsterdam"
    assert (s.business_hours.start.hour, s.business_hours.end.hour) == (8, 18)
    assert s.sources == []


def test_toml_file_in_working_directory_is_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[[sources]]\nname = "app"\nkind = "file"\npath = "a.jsonl"\nformat = "jsonl"\n'
        'interval = "90s"\n',
    )
    s = load_settings()
    assert s.source("app").interval == timedelta(seconds=90)


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, 'store_url = "sqlite:///from-file.db"\n')
    monkeypatch.setenv("SENTINEL_STORE_URL", "sqlite:///from-env.db")
    assert load_settings(path).store_url == "sqlite:///from-env.db"


def test_cli_override_beats_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_STORE_URL", "sqlite:///from-env.db")
    assert load_settings(store_url="sqlite:///cli.db").store_url == "sqlite:///cli.db"


def test_bad_zone_names_setting_env_variable_and_example(tmp_path: Path) -> None:
    path = write(tmp_path, 'timezone = "Europe/Amsterdamm"\n')
    with pytest.raises(SettingsError) as err:
        load_settings(path)
    text = str(err.value)
    assert "timezone" in text and "SENTINEL_TIMEZONE" in text and "Europe/Amsterdam" in text
    assert str(path) in text


def test_unknown_key_is_refused_not_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, 'store_ulr = "sqlite:///x.db"\n')
    with pytest.raises(SettingsError, match="store_ulr"):
        load_settings(path)


def test_unknown_source_format_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sources]]\nname = "x"\nkind = "file"\npath = "a"\nformat = "gelf"\n')
    with pytest.raises(SettingsError) as err:
        load_settings(path)
    assert "sources.0" in str(err.value) and "'syslog'" in str(err.value)


def test_duplicate_source_names_are_refused(tmp_path: Path) -> None:
    source = '[[sources]]\nname = "x"\nkind = "file"\npath = "a"\nformat = "jsonl"\n'
    with pytest.raises(SettingsError, match="repeated: x"):
        load_settings(write(tmp_path, source * 2))


def test_missing_data_map_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"nowhere\.yaml does not exist"):
        load_settings(write(tmp_path, 'data_map = "nowhere.yaml"\n'))


def test_bad_duration_says_how_to_write_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[sources]]\nname = "x"\nkind = "file"\npath = "a"\nformat = "jsonl"\ninterval = "soon"\n',
    )
    with pytest.raises(SettingsError, match="'30s', '5m'"):
        load_settings(path)


def test_store_url_must_be_sqlite_or_http(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"sqlite:///path/to/file\.db"):
        load_settings(write(tmp_path, 'store_url = "postgres://db/sentinel"\n'))


def test_default_channels_must_be_defined(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"\[\[channels\]\]"):
        load_settings(write(tmp_path, 'default_channels = ["security-mail"]\n'))


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "store_url = \n")
    with pytest.raises(SettingsError, match=str(path)):
        load_settings(path)


def test_missing_config_file_given_on_command_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="--config"):
        load_settings(tmp_path / "absent.toml")


def test_secrets_do_not_show_in_repr(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[channels]]\nkind = "slack"\nname = "sec"\n'
        'url = "https://hooks.slack.com/services/T000/B000/SECRETSECRET"\n',
    )
    s = load_settings(path)
    assert "SECRETSECRET" not in repr(s)
