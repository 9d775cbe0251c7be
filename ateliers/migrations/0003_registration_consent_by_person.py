"""Consent to share contact details is given by the person (issue 15): who recorded it, and the e-mailed link.

Consents an élu recorded for the people they registered (other than from the signed attendance sheet, which the
team records) were given on the person's behalf: they no longer count until the person confirms, or the team
records them from a signed document.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CONSENT_METHOD_CHOICES = [
    ("formulaire", "Formulaire"),
    ("emargement", "Feuille d'émargement signée"),
    ("email", "E-mail"),
    ("confirmation", "Confirmé par la personne (lien reçu par e-mail)"),
]


def suspend_consents_given_by_proxy(apps, schema_editor):
    Registration = apps.get_model("ateliers", "Registration")
    Registration.objects.filter(consent_to_share=True, registered_by__role="elu").exclude(
        consent_method="emargement"
    ).update(consent_to_share=False)


class Migration(migrations.Migration):
    dependencies = [
        ("ateliers", "0002_versions_and_text_limits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="consent_recorded_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                help_text="Le membre de l'équipe qui l'a recueilli ; vide quand la personne l'a confirmé elle-même.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="consentement recueilli par",
            ),
        ),
        migrations.AddField(
            model_name="historicalregistration",
            name="consent_recorded_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                help_text="Le membre de l'équipe qui l'a recueilli ; vide quand la personne l'a confirmé elle-même.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="consentement recueilli par",
            ),
        ),
        migrations.AddField(
            model_name="registration",
            name="consent_requested_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="confirmation demandée le"),
        ),
        migrations.AddField(
            model_name="historicalregistration",
            name="consent_requested_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="confirmation demandée le"),
        ),
        migrations.AddField(
            model_name="registration",
            name="consent_request_nonce",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="historicalregistration",
            name="consent_request_nonce",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AlterField(
            model_name="registration",
            name="consent_method",
            field=models.CharField(
                blank=True, choices=CONSENT_METHOD_CHOICES, max_length=20, verbose_name="recueilli par"
            ),
        ),
        migrations.AlterField(
            model_name="historicalregistration",
            name="consent_method",
            field=models.CharField(
                blank=True, choices=CONSENT_METHOD_CHOICES, max_length=20, verbose_name="recueilli par"
            ),
        ),
        migrations.RunPython(suspend_consents_given_by_proxy, migrations.RunPython.noop),
    ]
