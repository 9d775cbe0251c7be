import errno
import logging
import socket

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.core.management.base import CommandError

from core.demo import DEMO_PASSWORD, account_lines


def _quiet_loggers() -> None:
    """The demo's console shows what a visitor needs: its banner, then errors. Each page's request line and the
    reloader's notices stay out (django.server logs 4xx and 5xx answers as warnings and errors: they still show)."""
    logging.getLogger("django.server").setLevel(logging.WARNING)
    logging.getLogger("django.utils.autoreload").setLevel(logging.WARNING)


def refuse_a_taken_port(addrport: str) -> None:
    """Say in French, before anything else, that the demo's port is taken and how to choose another (`make run
    PORT=8001`), instead of runserver's English error after the banner. The port is tried, then freed at once."""
    host, _, port = addrport.rpartition(":")
    if not port.isdigit():
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host or "127.0.0.1", int(port)))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise CommandError(
                f"Le port {port} est déjà utilisé par un autre programme. "
                f"Arrêtez-le, ou lancez la démonstration sur un autre port : make run PORT={int(port) + 1}"
            ) from None


class Command(RunserverCommand):
    help = (
        "Sert la démonstration (make run) : le serveur de développement, avec l'adresse du portail, les comptes et "
        "l'emplacement des courriels affichés en dernier."
    )

    def handle(self, *args, **options):
        options["skip_checks"] = True  # `migrate` has just run them
        refuse_a_taken_port(options.get("addrport") or "")
        _quiet_loggers()
        super().handle(*args, **options)

    def get_handler(self, *args, **options):
        handler = super().get_handler(*args, **options)  # loads the WSGI application, which configures logging again
        _quiet_loggers()
        return handler

    def on_bind(self, server_port):
        address = f"[{self.addr}]" if self._raw_ipv6 else ("0.0.0.0" if self.addr == "0" else self.addr)
        mails = getattr(settings, "EMAIL_FILE_PATH", "")
        lines = [
            "",
            "Portail PAT de Grand Besançon Métropole — démonstration",
            f"Mot de passe de tous les comptes : {DEMO_PASSWORD}",
            *account_lines(),
            "",
        ]
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            lines.append(f"Courriels envoyés : un fichier par message dans {mails}/")
        lines += [
            f"Portail : {self.protocol}://{address}:{server_port}/   (Ctrl-C pour arrêter)",
            "",
        ]
        self.stdout.write("\n".join(lines))
