import datetime

import factory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from factory.django import DjangoModelFactory

from communes.models import Commune, Contact
from core.models import User
from missions.programme.models import Programme


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ["insee_code"]

    insee_code = factory.Sequence(lambda n: f"{25700 + n:05d}")
    name = factory.Sequence(lambda n: f"Commune test {n}")
    population = 1200
    postcodes = "25000"
    siren = "212500000"

    class Params:
        large = factory.Trait(population=12000)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Test{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    role = User.Role.CONSULTANT
    password = factory.PostGenerationMethodCall("set_password", "Mot-de-passe-test-1")

    class Params:
        gbm = factory.Trait(role=User.Role.GBM, is_staff=True)
        consultant = factory.Trait(role=User.Role.CONSULTANT)
        elu = factory.Trait(role=User.Role.ELU, commune=factory.SubFactory(CommuneFactory))

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = "Dominique"
    last_name = factory.Sequence(lambda n: f"Contact{n}")
    organisation = "Association test"
    category = Contact.Category.ASSOCIATION
    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    phone = "03 81 00 00 00"
    commune = factory.SubFactory(CommuneFactory)

    class Params:
        consenting = factory.Trait(
            consent_to_share=True, consent_date=datetime.date(2025, 1, 15), consent_method=Contact.ConsentMethod.FORM
        )


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ["contract_reference"]

    name = "Essaimage du PAT dans les communes"
    contract_reference = "MARCHE-TEST-1"
    contractor = "Bureau d'études test"
    start_date = datetime.date(2024, 10, 1)
    end_date = datetime.date(2026, 9, 30)
    new_communes_deadline = datetime.date(2025, 6, 1)


FAILED_MAIL = {"subject": "[Portail PAT] Atelier programmé", "body": "Bonjour", "to": ["claire@example.org"]}


def failed_mail(message=FAILED_MAIL, error="smtplib.SMTPRecipientsRefused: {'claire@example.org': (550, b'unknown')}"):
    """A mail the worker gave up on after its last attempt, as django-tasks-db records it."""
    return DBTaskResult.objects.create(
        status="FAILED",
        task_path="core.tasks.send_email",
        queue_name="mail",
        backend_name="default",
        args_kwargs={"args": [message], "kwargs": {"attempt": 3}},
        run_after=get_date_max(),
        finished_at=timezone.now(),
        exception_class_path="smtplib.SMTPRecipientsRefused",
        traceback=f'Traceback (most recent call last):\n  File "core/tasks.py"\n{error}\n',
    )
