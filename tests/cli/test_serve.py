"""`sentinel serve` for real: uvicorn in its own process, the first admin, 2FA, a token.

The end-to-end path a new installation takes: the first start makes ``admin`` and
puts its password in a 0600 file (output is not a terminal here), the admin signs
in, enrols a second factor, makes a token, and a script uses it. Nothing secret
appears in the server's output.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyotp
import pytest

from sentinel.cli.common import context
from sentinel.cli.serve import announce_first_admin

SENTINEL = Path(sys.executable).parent / "sentinel"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str], Path]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
    proc = subprocess.Popen(
        [str(SENTINEL), "serve", "--port", str(port), "--store", f"sqlite:///{tmp_path / 's.db'}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"sentinel serve did not start: {proc.communicate()[0]}")
    try:
        yield url, proc, tmp_path
    finally:
        proc.terminate()
        proc.wait(30)


def test_a_fresh_installation_gets_its_first_admin_and_a_script_its_token(
    server: tuple[str, subprocess.Popen[str], Path],
) -> None:
    url, proc, where = server
    handed_over = where / "first-admin.txt"
    assert handed_over.stat().st_mode & 0o777 == 0o600
    password = handed_over.read_text().split("password: ")[1].split("\n")[0]

    with httpx.Client(base_url=url) as browser:
        assert browser.get("/api/auth/me").status_code == 401
        login = browser.post("/api/auth/login", json={"username": "admin", "password": password})
        assert login.json()["stage"] == "enrol"
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        secret = browser.post("/api/auth/2fa/enrol", headers=csrf).json()["secret"]
        code = pyotp.TOTP(secret).at(datetime.now(UTC))
        done = browser.post("/api/auth/2fa/enrol/confirm", json={"code": code}, headers=csrf)
        assert done.status_code == 200 and len(done.json()["recovery_codes"]) == 10
        csrf = {"X-CSRF-Token": done.json()["csrf_token"]}
        made = browser.post(
            "/api/auth/tokens", json={"name": "e2e", "scopes": ["users:admin"]}, headers=csrf
        )
        token = made.json()["token"]

    script = httpx.get(f"{url}/api/users", headers={"Authorization": f"Bearer {token}"})
    assert [u["username"] for u in script.json()] == ["admin"]
    assert httpx.get(f"{url}/api/users").status_code == 401

    proc.terminate()
    output = proc.communicate(timeout=30)[0]
    assert "first-admin.txt" in output
    for secret_text in (password, secret, token):
        assert secret_text not in output


def test_the_first_admin_file_is_0600_even_where_an_older_one_was_readable(
    tmp_path: Path,
) -> None:
    """A first-admin.txt left world-readable (copied, restored from a backup) is narrowed
    before the new password goes in."""
    left = tmp_path / "first-admin.txt"
    left.write_text("user: admin\npassword: an old one\n")
    left.chmod(0o644)
    ctx = context(None, f"sqlite:///{tmp_path / 's.db'}")
    announce_first_admin(ctx, "a-new-password", "http://127.0.0.1:8000")
    assert left.stat().st_mode & 0o777 == 0o600
    assert "password: a-new-password\n" in left.read_text()
