"""`manage.py create_first_officer EMAIL --first-name X --last-name Y`: invite the first GBM officer (issue 24).

The officer is staff and superuser (they reach /admin/, like the README's demo officer) and chooses their own password
from the invitation: the command never takes one. With a mail server (`DJANGO_EMAIL_HOST` set and an SMTP backend) the
invitation is queued for the task worker; without one, the one-time link is printed here instead. Run again for the
same address while the invitation is pending, it draws a new link (the previous one stops working).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core import invitations
from core.models import Invitation, User, WorkflowError


class Command(BaseCommand):
    help = "Invite le premier ou la première chargé·e de mission GBM (administrateur) : lien d'invitation par e-mail."

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse e-mail de la personne invitée")
        parser.add_argument("--first-name", required=True, help="prénom")
        parser.add_argument("--last-name", required=True, help="nom")

    def handle(self, *args, email, first_name, last_name, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"Adresse e-mail invalide : {email!r}.") from None
        if not first_name.strip() or not last_name.strip():
            raise CommandError("Le prénom et le nom sont obligatoires.")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"Un compte existe déjà pour {email} : rien n'est envoyé.")
        send = invitations.mail_server_configured()
        with transaction.atomic():
            pending = Invitation.objects.pending().filter(email__iexact=email).first()
            try:
                if pending is not None:
                    token = invitations.resend(pending, by=None, send=send)
                    invitation = pending
                    said = "Une invitation était en attente : nouveau lien, l'ancien ne fonctionne plus."
                else:
                    invitation, token = invitations.invite(
                        invitations.Invitee(
                            first_name=first_name,
                            last_name=last_name,
                            email=email,
                            role=User.Role.GBM,
                            is_staff=True,
                            is_superuser=True,
                        ),
                        by=None,
                        send=send,
                    )
                    said = "Invitation créée."
            except WorkflowError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(said)
        invitation.refresh_from_db()
        valid_until = f"{timezone.localtime(invitation.expires_at):%d/%m/%Y à %H:%M}"
        if send:
            self.stdout.write(f"Invitation envoyée à {email} (valable jusqu'au {valid_until}).")
        else:
            self.stdout.write(
                "Aucun serveur de courrier configuré (DJANGO_EMAIL_HOST) : transmettez vous-même ce lien, "
                f"à usage unique, valable jusqu'au {valid_until} :"
            )
            self.stdout.write(invitations.invitation_url(token))
