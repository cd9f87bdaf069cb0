"""Lighthouse on the real site: home, a search with results, a listing and the group form, mobile settings.

Sets up a scratch site (own instance folder: SQLite, places, demo data, an admin to sign in as), serves it
on a free local port, runs npm's `lighthouse` (node_modules/.bin, from package.json) with the system
Chromium, and prints the four scores of each page. Exits 1 when a page misses the targets.

    python bench/lighthouse.py                 # CHROME_PATH defaults to /usr/bin/chromium
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
ADMIN = "lighthouse-admin@example.org"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flask(env: dict[str, str], *args: str, stdin: str | None = None) -> None:
    command = [sys.executable, "-m", "flask", "--app", "directory", *args]
    subprocess.run(command, env=env, input=stdin, text=True, check=True, capture_output=True)  # noqa: S603


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - our own local server
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the site did not answer at {url}")


def session_cookie(base: str, password: str) -> str:
    """Sign in through the form, as a person does; the session cookie goes to Lighthouse as a header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/account/sign-in").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on the sign-in page")
    fields = {"csrf_token": token.group(1), "email": ADMIN, "password": password}
    data = urllib.parse.urlencode(fields).encode()
    opener.open(f"{base}/account/sign-in", data=data).close()
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def first_listing_path(base: str) -> str:
    page = urllib.request.urlopen(f"{base}/search?near=10001").read().decode()  # noqa: S310 - local
    match = re.search(r'href="(/listings/[a-z0-9-]+)"', page)
    if match is None:
        raise SystemExit("the demo search found no listing")
    return match.group(1)


def audit(url: str, cookie: str | None, out: Path) -> dict[str, int]:
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
               "--only-categories=performance,accessibility,best-practices,seo"]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": chrome})  # noqa: S603 - fixed tool
    report = json.loads(out.read_text(encoding="utf-8"))
    final = report.get("finalDisplayedUrl") or report.get("finalUrl")
    if final != url:  # a sign-in redirect would score the wrong page
        raise SystemExit(f"Lighthouse ended on {final}, not {url}")
    failing = [
        f"    {category}: {audit['id']}: {audit['title']}"
        for category, data in report["categories"].items()
        for ref in data["auditRefs"]
        if (audit := report["audits"][ref["id"]]).get("score") is not None and audit["score"] < 1
        and ref.get("weight", 0) > 0 and category != "performance"
    ]
    for line in failing:
        print(line)
    return {category: round(data["score"] * 100) for category, data in report["categories"].items()}


def main() -> int:
    if not LIGHTHOUSE.exists():
        raise SystemExit("lighthouse is not installed: run `npm install` in the project folder")
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as folder:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DIRECTORY_INSTANCE_PATH": folder, "SITE_URL": base, "PORT": str(port)}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        password = secrets.token_urlsafe(24)
        print("setting up a scratch site (places, demo data)...", flush=True)
        flask(env, "db", "upgrade")
        flask(env, "gazetteer", "load")
        flask(env, "seed", "--demo")
        flask(env, "create-admin", ADMIN, "--password-stdin", stdin=password + "\n")
        server = subprocess.Popen(  # noqa: S603 - our own app, fixed arguments
            [sys.executable, "-m", "flask", "--app", "directory", "run", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(base + "/")
            cookie = session_cookie(base, password)
            pages = {
                "home": (base + "/", None),
                "search": (base + "/search?near=10001", None),
                "listing": (base + first_listing_path(base), None),
                "group form": (base + "/my/listings/new?kind=group", cookie),
            }
            missed = False
            print(f"{'page':<12} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}")
            for name, (url, page_cookie) in pages.items():
                scores = audit(url, page_cookie, Path(folder) / f"{name.replace(' ', '-')}.json")
                missed |= any(scores[category] < target for category, target in TARGETS.items())
                print(f"{name:<12} {scores['performance']:>5} {scores['accessibility']:>5} "
                      f"{scores['best-practices']:>5} {scores['seo']:>5}", flush=True)
            return 1 if missed else 0
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
