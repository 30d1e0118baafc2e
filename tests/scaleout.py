"""Two ``cafe run`` workers behind the documented nginx site (deploy/nginx/cafe.conf): the
helpers that tests/test_scale_out.py and bench/scale.py share (the site rendered with a
test's ports and certificate, a self-signed certificate, which worker a route cookie
reaches, stopping a worker)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import requests

from tests.conftest import ROOT, LiveServer

SITE = ROOT / "deploy" / "nginx" / "cafe.conf"
#: Upper bound of every wait; loopback answers in milliseconds.
TIMEOUT = 15.0


def swapped(site: str, old: str, new: str) -> str:
    """``site`` with its one line ``old`` replaced by ``new``: a documented file that no
    longer has the line fails here, not in some later, stranger way."""
    assert site.count(old) == 1, f"deploy/nginx/cafe.conf should have {old!r} once"
    return site.replace(old, new)


def rendered_site(https: int, http: int, workers: list[LiveServer]) -> str:
    """deploy/nginx/cafe.conf with only its addresses and certificate paths changed."""
    site = SITE.read_text()
    site = swapped(site, "    listen 80;\n", f"    listen 127.0.0.1:{http};\n")
    site = swapped(site, "    listen [::]:80;\n", "")
    site = swapped(site, "    listen 443 ssl;\n", f"    listen 127.0.0.1:{https} ssl;\n")
    site = swapped(site, "    listen [::]:443 ssl;\n", "")
    site = re.sub(r"ssl_certificate( +)\S+;", r"ssl_certificate\1cert.pem;", site, count=1)
    site = re.sub(r"ssl_certificate_key( +)\S+;", r"ssl_certificate_key\1key.pem;", site)
    upstream = "".join(f"    server {w.url.removeprefix('http://')};\n" for w in workers)
    return swapped(site, "    server 127.0.0.1:5001;\n    server 127.0.0.1:5002;\n", upstream)


def self_signed(folder: Path) -> tuple[bytes, bytes]:
    """A certificate for 127.0.0.1 and its key, made with openssl."""
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt"),
            *("ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")),
        ],
        check=True,
        capture_output=True,
    )
    return (folder / "cert.pem").read_bytes(), (folder / "key.pem").read_bytes()


def worker_of(url: str, certificate: Path, route: str, workers: dict[str, LiveServer]) -> str:
    """Which worker nginx gives a client with the route cookie ``route``: open an Engine.IO
    session through nginx, then close it on each worker directly; only the one that holds
    it answers 200 (the other: 400, unknown session)."""
    http = requests.Session()
    http.trust_env = False  # REQUESTS_CA_BUNDLE would take the place of verify
    http.verify = str(certificate)
    http.cookies.set("cafe_route", route)
    opened = http.get(f"{url}/socket.io/?EIO=4&transport=polling", timeout=TIMEOUT)
    assert opened.status_code == 200, opened.text
    sid = json.loads(opened.text[1:])["sid"]
    holders = [
        name
        for name, worker in workers.items()
        if requests.post(
            f"{worker.url}/socket.io/?EIO=4&transport=polling&sid={sid}", data="1", timeout=5
        ).status_code
        == 200
    ]
    assert len(holders) == 1, holders
    return holders[0]


def stopped(server: LiveServer) -> None:
    """Stop a worker (SIGTERM, then SIGKILL after 10 s)."""
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
