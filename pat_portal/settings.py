"""Settings of the PAT portal, read from the environment.

Development: `DJANGO_DEBUG=1` (the Makefile sets it). Production: DEBUG off, and then
`DJANGO_SECRET_KEY` and `DJANGO_ALLOWED_HOSTS` must be given.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. "
            "Set it to a long random value (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "core",
    "communes",
    "missions",
    "ateliers",
    "pat_portal.pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RefuseUnusedMethodsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.second_factor.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.ExplainRefusedMethodMiddleware",
    "core.middleware.DeferLongLayoutsMiddleware",
    "pat_portal.pages.navigation.TodoCountCookieMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

# In DEBUG, Django answers a missing page or a server error with its technical pages (in English, listing every URL
# of the site). `make run` turns them off (DJANGO_DEBUG_TECHNICAL_ERRORS=0) so that the demo shows the portal's own
# French 404, 403 and 500 pages, as users see them; a developer keeps them by default.
DEBUG_TECHNICAL_ERRORS = env_bool("DJANGO_DEBUG_TECHNICAL_ERRORS", default=True)
if DEBUG and not DEBUG_TECHNICAL_ERRORS:
    MIDDLEWARE.append("core.middleware.PortalErrorPagesMiddleware")

ROOT_URLCONF = "pat_portal.urls"
WSGI_APPLICATION = "pat_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "pat_portal.pages.navigation.steering",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several workers writing at once: each write transaction takes the write lock when it begins (IMMEDIATE), so
    # a second writer waits for it (up to `timeout` seconds) instead of failing with "database is locked" when its
    # read turns into a write; WAL lets readers go on while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "pat_portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.backends.PortalModelBackend",
]
# Argon2 (Django's recommended hasher: memory-hard, so a stolen hash costs far more to attack on GPUs than PBKDF2)
# first; the others only check older hashes, which Django rewrites with Argon2 at the person's next login. At Django's
# parameters it costs about the CPU of PBKDF2's 1,000,000 iterations (~190 ms, most of a login), spread over its lanes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: 5 failures for one username from one IP lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "errors/429_login.html"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Behind reverse proxies the IP is the client's as the form rate limiter reads it (RATELIMIT_TRUSTED_PROXY_COUNT),
# not the proxy's: otherwise five wrong passwords from anyone would lock the real person out.
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.login_client_ip"

# Second factor (django-otp: an authentication application and recovery codes; core/second_factor.py). Offered to
# every role; required of GBM officers when on (the default in production, off in DEBUG so the demo logs in with a
# password alone). django-otp's own per-device delay after a wrong code is off: axes above counts wrong codes as
# login failures, one counter and one lockout for both steps.
OTP_REQUIRED_FOR_OFFICERS = env_bool("DJANGO_OTP_REQUIRED_FOR_OFFICERS", default=not DEBUG)
OTP_TOTP_ISSUER = "Portail PAT"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media-prive/"  # never served directly: files go through views that check visibility
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# `manage.py backup` writes its archives here and keeps the last BACKUP_KEEP (0: all); GBM's home warns when none
# succeeded for 2 days (core/backups.py).
BACKUP_DIR = Path(os.environ.get("DJANGO_BACKUP_DIR", BASE_DIR / "backups"))
BACKUP_KEEP = int(os.environ.get("DJANGO_BACKUP_KEEP", "14"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
FORM_RENDERER = "core.renderers.PortalFormRenderer"

# Behind N reverse proxies, the client address is the N-th from the right of X-Forwarded-For (rate limits and
# login throttling).
RATELIMIT_TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))

# Cache shared by every worker (rate limits live here): Redis when configured, else the database.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "pat_portal_cache",
            # Rate-limit counters and one-time form tokens (kernel/submissions.py) must not be culled early: Django's
            # default of 300 rows would drop a third of them at random on a busy day.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
# Rendered PDFs, addressed by the hash of their HTML (pat_portal/pdf.py): files shared by the server's workers,
# apart from the default cache so that PDFs never push rate-limit counters out.
CACHES["pdfs"] = {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": os.environ.get("DJANGO_PDF_CACHE_DIR", str(BASE_DIR / "var" / "pdf-cache")),
    "TIMEOUT": 7 * 24 * 3600,
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
# With the file backend (`make run`), each e-mail sent is written to a file in this folder.
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "var" / "courriels"))
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS")
# Seconds the worker waits for the mail server before the attempt counts as failed (then retried, see kernel/tasks.py).
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "PAT Grand Besançon <pat@grandbesancon.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in e-mails.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000")

# Background tasks (django-tasks): every e-mail is queued in the database and sent by `manage.py worker`, so
# that no request waits for, or fails with, the mail server. Mails and long PDF layouts have their own queue, each
# served by its own worker (core/tasks.py): a mail never waits behind a document.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail", "documents"]}}
# Seconds a PDF layout may take in the worker before it is stopped and the person waiting is told so (core/tasks.py).
DOCUMENT_TIME_BUDGET = int(os.environ.get("DJANGO_DOCUMENT_TIME_BUDGET", "180"))
# The communes' open-data portrait (docs/portrait.md): whether the server may call the public sources, and whether
# Les Greniers d'Abondance agreed to the reuse of CRATer's layers that need their agreement (farmers' ages).
PORTRAIT_NETWORK = os.environ.get("DJANGO_PORTRAIT_NETWORK", "1") == "1"
PORTRAIT_CRATER_AGREEMENT = os.environ.get("DJANGO_PORTRAIT_CRATER_AGREEMENT", "0") == "1"

# Security headers; the HTTPS-only ones are on whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# The reverse proxy (docs/deploy.md) ends TLS and must send `X-Forwarded-Proto: https`, and overwrite any such header a
# client sent; gunicorn listens on 127.0.0.1 only. Without the header every plain request is redirected to https.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^sante/$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}
