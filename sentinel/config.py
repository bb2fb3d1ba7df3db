"""Settings: built once at start-up and passed down; nothing reads the environment later.

Sources of settings, strongest first: keyword arguments (the CLI's ``--store``),
``SENTINEL_*`` environment variables, a ``.env`` file, then ``sentinel.toml``.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_CONFIG_FILE = Path("sentinel.toml")
SHIPPED_PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"
"""The playbooks that come with Sentinel, next to its package (as its templates are)."""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> timedelta:
    """Accept ``90s``, ``5m``, ``2h``, ``180d`` or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration; write it like '30s', '5m', '2h' or '7d'")
    return timedelta(seconds=float(match[1]) * _UNITS[match[2]])


def read_secret_file(path: Path, setting: str) -> str:
    """A secret kept in a file (``/run/secrets/…``): its text, without the final newline.

    Errors name the setting and the file, never the content.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{setting} {path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{setting} {path}: not UTF-8 text") from None
    secret = text.rstrip("\r\n")
    if not secret.strip():
        raise ValueError(f"{setting} {path}: the file is empty")
    return secret


def secret_files(*names: str) -> Any:
    """A validator: ``NAME_file`` (a path) gives ``NAME`` from that file; not both at once."""

    def load(cls: type, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for name in names:
            path = data.get(f"{name}_file")
            if path is None:
                continue
            if data.get(name) is not None:
                raise ValueError(f"give {name} or {name}_file, not both")
            data = {**data, name: read_secret_file(Path(path), f"{name}_file")}
        return data

    return model_validator(mode="before")(classmethod(load))


Duration = Annotated[timedelta, Field(json_schema_extra={"format": "duration"})]
DirectoryUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
"""A member directory reached over HTTP; any other string is a path to a CSV file."""


class _Strict(BaseModel):
    """Unknown keys are refused so a typo in sentinel.toml is named, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpAuth(_Strict):
    header: str = "Authorization"
    scheme: str = "Bearer"
    token: SecretStr
    token_file: Path | None = None
    """A file holding the token (``/run/secrets/…``), instead of ``token``."""

    _token_file = secret_files("token")


class SourceBase(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    interval: Duration = timedelta(minutes=1)
    field_map: dict[str, str] = Field(default_factory=dict)
    timezone: str | None = None
    """Zone of timestamps that carry none (syslog, some CSV); defaults to Settings.timezone."""

    _check_interval = field_validator("interval", mode="before")(parse_duration)


LogFormat = Literal[
    "jsonl",
    "combined",
    "web_error",
    "alb",
    "sshd",
    "syslog",
    "journald",
    "csv",
    "cloudtrail",
    "s3access",
]


class FileSourceConfig(SourceBase):
    kind: Literal["file"] = "file"
    path: str
    """A path or glob; rotated siblings (``access.log.1``, ``access.log.2.gz``) may match too."""
    format: LogFormat
    csv_timestamp_format: str | None = None
    year: int | None = Field(default=None, ge=1970, le=9999)
    """The year of syslog lines, which leave it out; by default the file's time tells."""
    settle: Duration = timedelta(seconds=60)
    """How long an unterminated last line must stay unchanged before it is taken as complete."""

    _check_settle = field_validator("settle", mode="before")(parse_duration)


class HttpSourceConfig(SourceBase):
    kind: Literal["http"] = "http"
    url: str = Field(pattern=r"^https?://")
    since_param: str = "since"
    cursor_param: str = "cursor"
    records_key: str = "data"
    next_cursor_key: str | None = "next_cursor"
    next_link_key: str | None = "next"
    timestamp_field: str = "@timestamp"
    id_field: str | None = "id"
    page_size_param: str | None = "limit"
    page_size: int = Field(default=500, gt=0)
    auth: HttpAuth | None = None
    timeout: Duration = timedelta(seconds=30)
    max_retries: int = Field(default=5, ge=0)
    verify_tls: bool = True

    _check_timeout = field_validator("timeout", mode="before")(parse_duration)


class ElasticsearchAuth(_Strict):
    """API key, or user name and password; kept out of logs and error messages."""

    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None

    _secret_files = secret_files("api_key", "password")

    @model_validator(mode="after")
    def _one_method(self) -> ElasticsearchAuth:
        if self.api_key and (self.username or self.password):
            raise ValueError("give either api_key or username/password, not both")
        if bool(self.username) != bool(self.password):
            raise ValueError("username and password go together")
        return self


class ElasticsearchConnection(_Strict):
    """How to reach an Elasticsearch (or OpenSearch-compatible) cluster."""

    auth: ElasticsearchAuth = Field(default_factory=ElasticsearchAuth)
    ca_certs: Path | None = None
    verify_certs: bool = True
    compatibility: Literal["elasticsearch", "opensearch"] = "elasticsearch"
    """``opensearch`` sends plain application/json for servers that refuse Elastic's media type."""
    request_timeout: Duration = timedelta(seconds=30)

    _check_timeout = field_validator("request_timeout", mode="before")(parse_duration)


class ElasticsearchStoreSettings(ElasticsearchConnection):
    index_prefix: str = Field(default="sentinel", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    bulk_max_docs: int = Field(default=5000, gt=0)
    bulk_max_bytes: int = Field(default=1_000_000, gt=0)
    """Bulk requests are cut at this many bytes (or documents), whichever comes first."""
    bulk_concurrency: int = Field(default=2, gt=0, le=16)
    """Bulk requests of one write in flight at once."""
    precision_threshold: int = Field(default=3000, gt=0, le=40000)


class ElasticsearchSourceConfig(SourceBase):
    """Access logs already in an index (shipped by Filebeat or Logstash)."""

    kind: Literal["elasticsearch"] = "elasticsearch"
    url: str = Field(pattern=r"^https?://")
    index: str
    timestamp_field: str = "@timestamp"
    query: dict[str, Any] | None = None
    """An extra Elasticsearch query (JSON) that selects the documents to read."""
    page_size: int = Field(default=1000, gt=0, le=10_000)
    connection: ElasticsearchConnection = Field(default_factory=ElasticsearchConnection)
    settle: Duration = timedelta(seconds=60)
    """Only documents at least this old are read: shippers deliver late, and a document
    older than the cursor when it arrives would never be read."""

    _check_settle = field_validator("settle", mode="before")(parse_duration)


SourceConfig = Annotated[
    FileSourceConfig | HttpSourceConfig | ElasticsearchSourceConfig, Field(discriminator="kind")
]
AnySourceConfig = FileSourceConfig | HttpSourceConfig | ElasticsearchSourceConfig


class EmailChannel(_Strict):
    kind: Literal["email"] = "email"
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    host: str
    port: int = Field(default=587, gt=0, lt=65536)
    starttls: bool = True
    ssl: bool = False
    """TLS from the first byte (SMTPS, usually port 465) instead of STARTTLS."""
    ca_certs: Path | None = None
    """CA bundle for a relay whose certificate a private CA signed; system CAs otherwise."""
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    """A file holding the password (``/run/secrets/…``), instead of ``password``."""
    sender: str
    recipients: list[str] = Field(min_length=1)
    timeout: Duration = timedelta(seconds=30)

    _check_timeout = field_validator("timeout", mode="before")(parse_duration)
    _password_file = secret_files("password")


class WebhookChannel(_Strict):
    """Slack or Microsoft Teams incoming webhooks, or a generic JSON webhook signed with HMAC."""

    kind: Literal["slack", "teams", "webhook"]
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    url: SecretStr
    """Incoming-webhook URLs embed their secret, so they are kept out of logs too."""
    url_file: Path | None = None
    secret: SecretStr | None = None
    """For kind "webhook": the key of the X-Sentinel-Signature HMAC-SHA256 header."""
    secret_file: Path | None = None
    timeout: Duration = timedelta(seconds=10)
    verify_tls: bool = True

    _check_timeout = field_validator("timeout", mode="before")(parse_duration)
    _secret_files = secret_files("url", "secret")


ChannelConfig = Annotated[EmailChannel | WebhookChannel, Field(discriminator="kind")]


class NotifySettings(_Strict):
    """How long a failing channel is retried: waits double from ``first_retry`` to ``max_retry``."""

    attempts: int = Field(default=8, ge=1, le=50)
    first_retry: Duration = timedelta(minutes=1)
    max_retry: Duration = timedelta(hours=1)
    lease: Duration = timedelta(minutes=10)
    """A delivery claimed longer ago than this by a worker that died is taken over."""
    interval: Duration = timedelta(seconds=30)
    """How often ``sentinel run`` delivers what is queued and retries what is due."""

    _check_durations = field_validator(
        "first_retry", "max_retry", "lease", "interval", mode="before"
    )(parse_duration)


class BusinessHours(_Strict):
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    """Weekdays counted as working days, Monday = 0."""
    start: time = time(8, 0)
    end: time = time(18, 0)
    holidays: str | None = "NL"
    """Country whose public holidays count as outside business hours; empty for none."""

    @model_validator(mode="after")
    def _ordered(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        if any(d not in range(7) for d in self.days):
            raise ValueError("days are weekday numbers 0 (Monday) to 6 (Sunday)")
        return self


class DetectionSettings(_Strict):
    rules_dir: Path = Path("rules")
    initial_lookback: Duration = timedelta(days=7)
    """How far back a rule looks on its very first run."""
    max_window: Duration = timedelta(hours=6)
    """Catch-up after downtime goes in windows of at most this size."""
    replay_window: Duration = timedelta(days=1)
    """`sentinel detect --from --to` runs each rule in passes of this size (or max_window
    if larger): a replay saves no place between passes, and every pass costs the store
    the same few requests, so longer passes ask less of it."""

    _durations = field_validator("initial_lookback", "max_window", "replay_window", mode="before")(
        parse_duration
    )


class IncidentSettings(_Strict):
    reminders: list[Duration] = Field(
        default_factory=lambda: [timedelta(hours=h) for h in (24, 48, 66, 72)]
    )
    """Reminders of the 72-hour deadline, counted from the awareness time."""
    reminder_channels: list[str] = Field(default_factory=list)
    """Channels for reminders; empty means default_channels."""
    reminder_interval: Duration = timedelta(minutes=1)
    """How often ``sentinel run`` looks for reminders that have come due."""
    playbooks_dir: Path = SHIPPED_PLAYBOOKS
    """The playbooks shipped with Sentinel unless set (a relative path is from where it runs)."""
    large_scale: int = Field(default=100, gt=0)
    """From this many affected people the assessment calls a breach large-scale."""
    short_outage: Duration = timedelta(hours=24)
    """An availability loss restored within this counts as restored in good time."""
    text_language: Literal["nl", "en"] = "nl"
    """The language incident descriptions are written in; drafts in the other language ask
    for their translation (``summary@en``)."""

    @field_validator("reminders", mode="before")
    @classmethod
    def _durations(cls, v: Any) -> Any:
        return [parse_duration(x) for x in v] if isinstance(v, list) else v

    _short_outage = field_validator("short_outage", "reminder_interval", mode="before")(
        parse_duration
    )


class WorkerSettings(_Strict):
    """Several ``sentinel run`` workers on one store share the jobs through leases."""

    lease: Duration = timedelta(seconds=60)
    """A worker's hold on a job lasts this long unless renewed: a dead worker's jobs move
    on after at most this."""
    heartbeat: Duration = timedelta(seconds=15)
    """How often a worker says it is alive, renews its leases and shares the jobs out."""

    _durations = field_validator("lease", "heartbeat", mode="before")(parse_duration)

    @model_validator(mode="after")
    def _renewed_in_time(self) -> WorkerSettings:
        if self.heartbeat <= timedelta(0) or self.heartbeat * 2 > self.lease:
            raise ValueError(
                f"heartbeat {self.heartbeat.total_seconds():g}s must be positive and at most "
                f"half the lease ({self.lease.total_seconds():g}s), so a lease is renewed "
                "at least twice before it runs out"
            )
        return self


class AccessSettings(_Strict):
    """Sign-in, sessions, the second factor and API tokens (docs/access.md)."""

    secret_key: SecretStr | None = None
    """Base64 of 32 random bytes that encrypts TOTP secrets; never kept in the store.
    Unset: read from ``secret_key_file``."""
    secret_key_file: Path | None = None
    """Default: ``secret.key`` beside the SQLite store file (``var/secret.key`` for
    Elasticsearch). Created (0600) with a fresh key on first use when missing; every
    worker sharing a store needs the same key."""
    old_secret_key: SecretStr | None = None
    """The key TOTP secrets were sealed with before ``secret_key``, while they are sealed
    again (``sentinel users rotate-key``): until then a secret opens with either. Remove it
    once the command has run."""
    old_secret_key_file: Path | None = None
    session_idle: Duration = timedelta(minutes=30)
    session_absolute: Duration = timedelta(hours=12)
    step_up: Duration = timedelta(minutes=10)
    """Deciding, approving, exporting and changing roles need a second factor this fresh."""
    lockout_after: int = Field(default=5, gt=0)
    """Failed passwords or codes for one account within ``lockout_window`` that lock it."""
    lockout_window: Duration = timedelta(minutes=15)
    lockout_for: Duration = timedelta(minutes=15)
    address_limit: int = Field(default=20, gt=0)
    """Failed attempts from one client address within ``lockout_window`` before it must wait."""
    token_lifetime: Duration = timedelta(days=90)
    token_max_lifetime: Duration = timedelta(days=365)
    enrolment_window: Duration = timedelta(minutes=15)
    """A started TOTP enrolment must be confirmed within this."""
    cookie_secure: bool | None = None
    """Session cookie ``Secure`` flag; unset: set when the request came over https."""

    _old_key_file = secret_files("old_secret_key")

    _durations = field_validator(
        "session_idle",
        "session_absolute",
        "step_up",
        "lockout_window",
        "lockout_for",
        "token_lifetime",
        "token_max_lifetime",
        "enrolment_window",
        mode="before",
    )(parse_duration)


class AuditSettings(_Strict):
    """Signed checkpoints of the audit trail (README, 'The audit trail')."""

    checkpoint_key: SecretStr | None = None
    """The HMAC key that signs checkpoints; keep it away from the store's administrators.
    Unset: no checkpoints are signed."""
    checkpoint_key_file: Path | None = None
    checkpoint_interval: Duration = timedelta(hours=1)
    """How often ``sentinel run`` signs the newest entry (and logs it)."""

    _check_interval = field_validator("checkpoint_interval", mode="before")(parse_duration)
    _key_file = secret_files("checkpoint_key")

    def key(self) -> bytes | None:
        return self.checkpoint_key.get_secret_value().encode() if self.checkpoint_key else None


class WebSettings(_Strict):
    """Where ``sentinel serve`` and ``sentinel run`` listen."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    forwarded_allow_ips: list[str] = Field(default_factory=list)
    """Reverse proxies whose X-Forwarded-Proto/For are believed (TLS ends there)."""


class Organisation(_Strict):
    """The controller, as the breach register and the drafts name it."""

    name: str = ""
    address: str = ""
    dpo_name: str = ""
    dpo_email: str = ""
    dpo_phone: str = ""
    sector: str = ""
    """The sector the organisation is active in, as the AP's form asks it (question 3.1.2)."""


class Settings(BaseSettings):
    """Everything Sentinel is told; see README 'Settings' for each key."""

    model_config = SettingsConfigDict(
        env_prefix="SENTINEL_",
        env_file=".env",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    store_url: str = "sqlite:///var/sentinel.db"
    elasticsearch: ElasticsearchStoreSettings = Field(default_factory=ElasticsearchStoreSettings)
    timezone: str = "Europe/Amsterdam"
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    data_map: Path | None = None
    directory: Path | None = None
    geoip_mmdb: Path | None = None
    member_directory: DirectoryUrl | Path | None = None
    """Members' names, emails and languages for the letters: a CSV file
    (member_id,name,email,language[,partner_name]) or the http(s) URL of a directory API
    (docs/drafts.md); read only when letters are made."""
    member_directory_token: SecretStr | None = None
    """Sent to the directory API as ``Authorization: Bearer …``; never logged."""
    member_directory_token_file: Path | None = None
    member_directory_timeout: Duration = timedelta(seconds=30)
    sources: list[SourceConfig] = Field(default_factory=list)
    detection: DetectionSettings = Field(default_factory=DetectionSettings)
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    organisation: Organisation = Field(default_factory=Organisation)
    access: AccessSettings = Field(default_factory=AccessSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    channels: list[ChannelConfig] = Field(default_factory=list)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    workers: WorkerSettings = Field(default_factory=WorkerSettings)
    default_channels: list[str] = Field(default_factory=list)
    """Channels for alerts and reminders whose rule or playbook names none."""
    base_url: str = "http://localhost:8000"
    """Where people open Sentinel; links in notifications start with it."""
    retention: Duration | None = None
    """Events and dead letters older than this are deleted daily by ``sentinel run`` (whole
    indices on Elasticsearch); alerts, incidents, drafts and the register are kept. Unset
    keeps everything."""
    batch_size: int = Field(default=5000, gt=0, le=100_000)
    dead_letter_max_bytes: int = Field(default=4096, ge=64)

    _token_file = secret_files("member_directory_token")

    @field_validator("retention", mode="before")
    @classmethod
    def _retention(cls, v: Any) -> Any:
        if v is None:
            return None
        age = parse_duration(v)
        if age < timedelta(days=1):
            raise ValueError(f"{v!r} is less than a day; detection still reads those events")
        return age

    @field_validator("store_url")
    @classmethod
    def _known_store(cls, v: str) -> str:
        if not re.match(r"^(sqlite:///.+|https?://.+)$", v):
            raise ValueError(
                "use sqlite:///path/to/file.db for the embedded store "
                "or https://host:9200 for Elasticsearch"
            )
        return v

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not an IANA time zone, e.g. 'Europe/Amsterdam'") from None
        return v

    _directory_timeout = field_validator("member_directory_timeout", mode="before")(parse_duration)

    @field_validator("data_map", "directory", "geoip_mmdb")
    @classmethod
    def _exists(cls, v: Path | None) -> Path | None:
        if v is not None and not v.is_file():
            raise ValueError(f"file {v} does not exist; fix the path or remove the setting")
        return v

    @model_validator(mode="after")
    def _token_needs_an_api(self) -> Settings:
        if self.member_directory_token is not None and not isinstance(self.member_directory, str):
            raise ValueError(
                "member_directory_token is only sent to a member directory API; set "
                "member_directory to its https:// URL, or remove the token"
            )
        return self

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        for what, names in (
            ("source", [s.name for s in self.sources]),
            ("channel", [c.name for c in self.channels]),
        ):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{what} names must be unique; repeated: {', '.join(dupes)}")
        known = {c.name for c in self.channels}
        for key, names in (
            ("default_channels", self.default_channels),
            ("incidents.reminder_channels", self.incidents.reminder_channels),
        ):
            if unknown := [c for c in names if c not in known]:
                raise ValueError(
                    f"{key} names unknown channels {unknown}; define them under [[channels]]"
                )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, name: str) -> AnySourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise SettingsError(f"no source named {name!r} (sources: {known})")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            _ListsWhole(env_settings),
            _ListsWhole(dotenv_settings),
            _EntryFields(settings_cls, [dotenv_settings, env_settings]),
        )


class SettingsError(Exception):
    """A setting is wrong; the message names it and says how to fix it."""


_LISTS = {"channels": "channel", "sources": "source"}
"""Settings that are lists of named entries; the environment sets a field of one entry."""


def _env_key(name: str) -> str:
    """How an entry's name is written in an environment variable (``soc-mail`` → ``soc_mail``)."""
    return re.sub(r"[^a-z0-9]", "_", name.lower())


_KINDS = {"email", "slack", "teams", "webhook", "file", "http", "elasticsearch"}


def _env_of(loc: tuple[int | str, ...]) -> str:
    """The environment variable that sets the setting at ``loc``, as the error proposes it."""
    parts = [str(p) for p in loc if isinstance(p, str)]
    if loc and loc[0] in _LISTS and len(loc) > 1 and isinstance(loc[1], int):
        rest = [str(p) for p in loc[2:] if isinstance(p, str) and p not in _KINDS]
        what = _LISTS[str(loc[0])]
        field = "__".join(rest).upper() or "<key>"
        return f"SENTINEL_{str(loc[0]).upper()}__<{what} name>__{field}"
    return "SENTINEL_" + "__".join(parts).upper()


class _ListsWhole(PydanticBaseSettingsSource):
    """An environment source without ``SENTINEL_CHANNELS__…__FIELD`` style variables.

    Those set one field of one entry (``_EntryFields`` applies them); read as a nested
    mapping they would replace the whole list. ``SENTINEL_CHANNELS='[…]'`` still replaces it.
    """

    def __init__(self, inner: PydanticBaseSettingsSource) -> None:
        super().__init__(inner.settings_cls)
        self.inner = inner

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self.inner().items() if not (k in _LISTS and isinstance(v, dict))}


class _EntryFields(TomlConfigSettingsSource):
    """The settings file, with fields of list entries set from the environment.

    ``SENTINEL_CHANNELS__SECURITY__PASSWORD`` sets ``password`` of the channel named
    ``security`` (or ``SENTINEL_CHANNELS__0__PASSWORD``, the first channel); nested keys
    go on with ``__`` (``SENTINEL_SOURCES__API__AUTH__TOKEN``).
    """

    def __init__(
        self, settings_cls: type[BaseSettings], envs: list[PydanticBaseSettingsSource]
    ) -> None:
        super().__init__(settings_cls)
        self.envs = envs

    def __call__(self) -> dict[str, Any]:
        data = dict(super().__call__()) if self.settings_cls.model_config.get("toml_file") else {}
        for env in self.envs:
            for key, value in sorted(getattr(env, "env_vars", {}).items()):
                parts = key.lower().split("__")
                what = parts[0].removeprefix("sentinel_")
                if what not in _LISTS or len(parts) < 3 or value is None:
                    continue
                entries = [dict(e) for e in data.get(what) or []]
                index = self._entry(entries, parts[1], what, key)
                target = entries[index]
                for part in parts[2:-1]:
                    target[part] = dict(target.get(part) or {})
                    target = target[part]
                target[parts[-1]] = value
                data[what] = entries
        return data

    def _entry(self, entries: list[dict[str, Any]], selector: str, what: str, key: str) -> int:
        if selector.isdigit() and int(selector) < len(entries):
            return int(selector)
        for i, entry in enumerate(entries):
            if _env_key(str(entry.get("name", ""))) == selector:
                return i
        names = ", ".join(str(e.get("name")) for e in entries) or f"no {what} configured"
        raise SettingsError(
            f"{key.upper()} names no {_LISTS[what]} {selector!r} ({what}: {names}); write the "
            f"{_LISTS[what]}'s name (or its number from 0) after SENTINEL_{what.upper()}__"
        )


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings from a TOML file (``./sentinel.toml`` when present) and the environment."""
    if config is not None and not config.is_file():
        raise SettingsError(f"config file {config} does not exist (given with --config)")
    path = (
        config
        if config is not None
        else (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None)
    )
    bound = type(
        "Settings", (Settings,), {"model_config": {**Settings.model_config, "toml_file": path}}
    )
    try:
        return bound(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError:
        raise
    except ValidationError as exc:
        where = f" in {path}" if path else ""
        lines = [f"invalid settings{where}:"]
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "settings"
            lines.append(
                f"  {loc}: {err['msg']} (set it in the config file or {_env_of(err['loc'])})"
            )
        raise SettingsError("\n".join(lines)) from None
    except Exception as exc:  # a TOML syntax error surfaces here
        raise SettingsError(f"cannot read settings from {path}: {exc}") from None
