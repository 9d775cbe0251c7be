from django.db import migrations, models


class Migration(migrations.Migration):
    """The user's home-page visits ("Nouveau depuis votre dernière visite") and weekly digest (issue 16)."""

    dependencies = [
        ("pat_portal", "0005_deliverable_versions_and_reissues"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="home_visited_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="dernière ouverture de l'accueil"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="home_previous_visit_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="fin de la visite précédente de l'accueil"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="digest_sent_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="dernier résumé hebdomadaire envoyé le"
            ),
        ),
    ]
