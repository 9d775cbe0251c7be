from django.apps import AppConfig


class MissionsConfig(AppConfig):
    """One Django app (one migration history) for the contract's domains, each a package of its own:
    programme, Mission 1 (mission1), Mission 3 (support) and the money (order forms, time, budget)."""

    name = "missions"
    verbose_name = "Missions 1 et 3, budget"

    def ready(self):
        from missions.mission1 import providers as mission1
        from missions.money import providers as money
        from missions.programme import providers as programme
        from missions.support import providers as support

        programme.register()
        mission1.register()
        support.register()
        money.register()
