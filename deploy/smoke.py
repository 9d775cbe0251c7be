"""The install path of docs/deploy.md, followed on this machine and crawled: what `.ci/run` proves.

1. a fresh PostgreSQL database, an environment file made from deploy/pat-portal.env.example (DEBUG off, Redis,
   mail to a local SMTP sink run by this script), `make release ENV_FILE=…`;
2. the demo data (`seed_demo --force`) and the first GBM officer (`create_first_officer`: an invitation mail);
3. gunicorn and the two task workers, started with the ExecStart lines of deploy/*.service (2 web workers), reached
   as nginx would: every request carries `X-Forwarded-Proto: https` and `X-Forwarded-For`;
4. a plain-HTTP request is redirected to https; /sante/ answers 200 once the workers beat;
5. each role's pages crawled from its home (GBM officer with a second factor, consultant, élu) and the public ones:
   any 5xx fails; a PDF downloaded (through the documents worker when it is long); a password-reset mail and the
   invitation received by the sink.

Bounded in time (SMOKE_TIMEOUT, 600 s), and every process it started is stopped on the way out, failure included.
Environment: SMOKE_PG (server URL without a database, postgres://postgres@127.0.0.1:5432), SMOKE_DATABASE
(pat_portal_smoke), SMOKE_REDIS_URL (redis://127.0.0.1:6379/14), SMOKE_PORT (8137), SMOKE_SMTP_PORT (8125),
SMOKE_PAGES (pages per role, 40).
"""

import asyncio
import email
import email.policy
import html
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PYTHON = ROOT / ".venv" / "bin" / "python"
HOST = "pat.smoke.test"
PG = os.environ.get("SMOKE_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("SMOKE_DATABASE", "pat_portal_smoke")
REDIS_URL = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/14")
PORT = int(os.environ.get("SMOKE_PORT", "8137"))
SMTP_PORT = int(os.environ.get("SMOKE_SMTP_PORT", "8125"))
PAGES_PER_ROLE = int(os.environ.get("SMOKE_PAGES", "40"))
TIMEOUT = int(os.environ.get("SMOKE_TIMEOUT", "600"))
DEMO_PASSWORD = "Demo-PAT-2026"
OFFICER_EMAIL = "premiere.agente@grandbesancon.fr"
RECOVERY_CODES = [f"smoke{n:03d}code" for n in range(8)]
# Never followed by the crawl: the way out, downloads and files (one PDF is fetched on purpose), the admin.
SKIPPED = re.compile(r"^/(static|media-prive|admin)/|deconnexion|/pdf/|/exports?/|\.ics|agenda|xlsx|csv|telecharger")

STARTED = time.monotonic()


class SmokeFailure(Exception):
    pass


def say(text: str) -> None:
    print(f"[smoke {time.monotonic() - STARTED:5.1f} s] {text}", flush=True)


# --- The SMTP sink: enough of the protocol for Django's SMTP backend (no TLS, no login) ---

MESSAGES: list[email.message.EmailMessage] = []


async def _smtp_session(reader, writer):
    writer.write(b"220 smoke ESMTP\r\n")
    data, lines = False, []
    while line := await reader.readline():
        if data:
            if line.rstrip(b"\r\n") == b".":
                MESSAGES.append(email.message_from_bytes(b"".join(lines), policy=email.policy.default))
                data, lines = False, []
                writer.write(b"250 OK\r\n")
            else:
                lines.append(line[1:] if line.startswith(b"..") else line)
        else:
            verb = line[:4].upper()
            if verb == b"DATA":
                data = True
                writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 Bye\r\n")
                await writer.drain()
                break
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                writer.write(b"250 smoke\r\n")
        await writer.drain()
    writer.close()


def start_smtp_sink() -> None:
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(_smtp_session, "127.0.0.1", SMTP_PORT))
    threading.Thread(target=loop.run_until_complete, args=(server.serve_forever(),), daemon=True).start()


def wait_for_mail(to: str, subject_part: str, seconds: float = 60) -> email.message.EmailMessage:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in MESSAGES:
            if to in str(message["To"]) and subject_part.lower() in str(message["Subject"]).lower():
                return message
        time.sleep(0.2)
    received = [(str(m["To"]), str(m["Subject"])) for m in MESSAGES][-10:]
    raise SmokeFailure(
        f"no mail to {to} about « {subject_part} » within {seconds:.0f} s ({len(MESSAGES)} received, the last: {received})"
    )


# --- The server's environment, from the template of docs/deploy.md ---


def environment_file(workdir: Path) -> Path:
    values = {}
    for line in (DEPLOY / "pat-portal.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip().strip('"')
    values.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SITE_URL=f"https://{HOST}",
        DJANGO_CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        DATABASE_URL=f"{PG}/{DATABASE}",
        REDIS_URL=REDIS_URL,
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(SMTP_PORT),
        DJANGO_EMAIL_USE_TLS="0",
        DJANGO_EMAIL_FILE_PATH=str(workdir / "courriels"),
        DJANGO_MEDIA_ROOT=str(workdir / "media"),
        DJANGO_PDF_CACHE_DIR=str(workdir / "pdf-cache"),
        DJANGO_BACKUP_DIR=str(workdir / "sauvegardes"),
        DJANGO_LOG_LEVEL="WARNING",
    )
    path = workdir / "pat-portal.env"
    path.write_text("".join(f'{name}="{value}"\n' for name, value in values.items()))
    return path


def read_environment(path: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_"))}
    for line in path.read_text().splitlines():
        name, value = line.split("=", 1)
        env[name] = value.strip('"')
    return env


def exec_start(unit: str) -> list[str]:
    """The ExecStart line of a deploy/ unit, run from this checkout instead of /srv/pat-portal."""
    for line in (DEPLOY / unit).read_text().splitlines():
        if line.startswith("ExecStart="):
            return shlex.split(line.removeprefix("ExecStart=").replace("/srv/pat-portal", str(ROOT)))
    raise SmokeFailure(f"no ExecStart in deploy/{unit}")


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", sql], check=True, capture_output=True)


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SmokeFailure(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


# --- HTTP as it reaches gunicorn from nginx ---


class Browser:
    def __init__(self, proxied: bool = True):
        self.cookies: dict[str, str] = {}
        self.proxied = proxied

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, bytes]:
        headers = {"Host": HOST}
        if self.proxied:
            headers |= {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(form)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://{HOST}"}
        connection = HTTPConnection("127.0.0.1", PORT, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name.strip()] = value.strip()
        if response.status >= 500:
            raise SmokeFailure(
                f"{method} {path} answered {response.status}:\n{content[:2000].decode(errors='replace')}"
            )
        return response.status, dict(response.headers), content

    def get(self, path: str) -> tuple[int, dict, bytes]:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> tuple[int, dict, bytes]:
        self.get(path)  # the form's page sets the CSRF cookie
        return self.request("POST", path, form)


def log_in(username: str, code: str | None = None) -> Browser:
    browser = Browser()
    status, headers, _ = browser.post("/connexion/", {"username": username, "password": DEMO_PASSWORD})
    if status != 302:
        raise SmokeFailure(f"login of {username} answered {status} instead of a redirect")
    if urllib.parse.urlsplit(headers.get("Location", "")).path == "/connexion/code/":
        if code is None:
            raise SmokeFailure(f"{username} was asked for a second factor")
        status, headers, _ = browser.post("/connexion/code/", {"code": code})
        if status != 302:
            raise SmokeFailure(f"second factor of {username} answered {status}")
    return browser


def crawl(browser: Browser, start: str = "/") -> int:
    """Breadth first from `start`, through the links of each page, up to PAGES_PER_ROLE pages; 5xx fails."""
    seen, queue, pages = {start}, [start], 0
    while queue and pages < PAGES_PER_ROLE:
        path = queue.pop(0)
        status, headers, content = browser.get(path)
        pages += 1
        if status == 301 and headers.get("Location", "").startswith("https://"):
            raise SmokeFailure(f"{path} was redirected to https although the proxy said https")
        if not headers.get("Content-Type", "").startswith("text/html"):
            continue
        for link in re.findall(r'href="(/[^"#]*)', content.decode(errors="replace")):
            link = html.unescape(link)
            if link not in seen and not SKIPPED.search(link):
                seen.add(link)
                queue.append(link)
    return pages


def download_pdf(browser: Browser, path: str, seconds: float = 90) -> int:
    """A PDF: laid out in the request when short, else queued for the documents worker (202) until it is there."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, headers, content = browser.get(path)
        if status == 200 and content.startswith(b"%PDF"):
            return len(content)
        if status != 202:
            raise SmokeFailure(f"{path} answered {status} ({headers.get('Content-Type')})")
        time.sleep(1)
    raise SmokeFailure(f"{path} was not laid out within {seconds:.0f} s (is the documents worker running?)")


# --- The run ---


def wait_until_up(seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            status, _, content = Browser().get("/sante/")
            if status == 200:
                return
            last = f"{status} {content[:300].decode(errors='replace')}"
        except (OSError, SmokeFailure) as error:
            last = str(error)[:300]
        time.sleep(0.5)
    raise SmokeFailure(f"/sante/ did not answer 200 within {seconds:.0f} s: {last}")


def run(workdir: Path, processes: list) -> None:
    start_smtp_sink()
    say(f"SMTP sink on 127.0.0.1:{SMTP_PORT}; fresh database {DATABASE}")
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}"')
    # A fresh cache too: an earlier run's rate-limit counters (password resets an hour) would refuse this one's.
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)
    psql(f'CREATE DATABASE "{DATABASE}"')
    env_file = environment_file(workdir)
    env = read_environment(env_file)

    say("make release (docs/deploy.md, step « Installer »)")
    started = time.monotonic()
    release = subprocess.run(
        ["make", "--no-print-directory", "release", f"ENV_FILE={env_file}"],
        cwd=ROOT,
        env={
            key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
        },
        capture_output=True,
        text=True,
    )
    print(release.stdout + release.stderr, end="", flush=True)
    if release.returncode != 0:
        raise SmokeFailure("make release failed")
    say(f"make release: {time.monotonic() - started:.1f} s")

    manage(env, "seed_demo", "--force", "--verbosity", "0")
    # The demo's GBM officer has turned the second factor on: recovery codes the crawl can type.
    manage(
        env,
        "shell",
        "-c",
        "from django_otp.plugins.otp_static.models import StaticDevice; from core.models import User; "
        "device = StaticDevice.objects.create(user=User.objects.get(username='claire.gbm'), name='smoke', "
        f"confirmed=True); [device.token_set.create(token=code) for code in {RECOVERY_CODES!r}]",
    )
    first_officer = manage(env, "create_first_officer", OFFICER_EMAIL, "--first-name", "Anne", "--last-name", "Prieur")
    say(f"create_first_officer: {first_officer.strip().splitlines()[0]}")

    web = exec_start("pat-portal-web.service")
    web[web.index("--bind") + 1] = f"127.0.0.1:{PORT}"
    web[web.index("--workers") + 1] = "2"
    for name, command in (
        ("web", web),
        ("mail", exec_start("pat-portal-mail.service")),
        ("documents", exec_start("pat-portal-documents.service")),
    ):
        log = (workdir / f"{name}.log").open("w")
        processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        )
    wait_until_up()
    say("gunicorn (2 workers) and the mail and documents workers are up: /sante/ answers 200")

    status, headers, _ = Browser(proxied=False).get("/connexion/")
    if status != 301 or not headers.get("Location", "").startswith(f"https://{HOST}/"):
        raise SmokeFailure(f"plain HTTP answered {status} {headers.get('Location')} instead of a redirect to https")
    status, headers, _ = Browser().get("/connexion/")
    if status != 200:
        raise SmokeFailure(f"/connexion/ through the proxy answered {status} {headers.get('Location')}")
    say("plain HTTP is redirected to https; through the proxy (X-Forwarded-Proto) the login page answers 200")

    invitation = wait_for_mail(OFFICER_EMAIL, "")
    say(f"invitation of the first officer received: « {invitation['Subject']} »")

    public = Browser()
    for path in ("/connexion/", "/donnees-personnelles/", "/demandes/nouvelle/", "/mot-de-passe/oublie/"):
        public.get(path)
    status, _, _ = public.post("/mot-de-passe/oublie/", {"email": "elu.amagney@demo.pat-gbm.fr"})
    if status != 302:
        raise SmokeFailure(f"the password-reset form answered {status} instead of a redirect")
    say("public pages answered; password reset asked")

    total = 0
    for username, code in (("claire.gbm", RECOVERY_CODES[0]), ("julien.conseil", None), ("elu.amagney", None)):
        browser = log_in(username, code)
        pages = crawl(browser)
        total += pages
        say(f"{username}: {pages} pages crawled, no 5xx")
    size = download_pdf(log_in("claire.gbm", RECOVERY_CODES[1]), "/communes/25014/point-d-etape/pdf/")
    say(f"PDF « point d'étape » of Amagney downloaded ({size // 1024} KB)")

    reset = wait_for_mail("elu.amagney@demo.pat-gbm.fr", "mot de passe")
    say(f"password-reset mail received: « {reset['Subject']} »")
    say(f"OK: {total} pages, {len(MESSAGES)} mails, no 5xx, in {time.monotonic() - STARTED:.0f} s")


def main() -> int:
    processes: list[subprocess.Popen] = []

    def out_of_time(signum, frame):
        raise SmokeFailure(f"still running after {TIMEOUT} s (SMOKE_TIMEOUT)")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    signal.alarm(TIMEOUT)
    with tempfile.TemporaryDirectory(prefix="pat-smoke-") as workdir:
        try:
            run(Path(workdir), processes)
        except SmokeFailure as failure:
            print(f"[smoke] FAILED: {failure}", flush=True)
            for log in sorted(Path(workdir).glob("*.log")):
                print(f"--- last lines of {log.name} (gunicorn or worker output)")
                print("\n".join(log.read_text(errors="replace").splitlines()[-30:]), flush=True)
            return 1
        finally:
            signal.alarm(0)
            for process in processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
