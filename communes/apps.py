from django.apps import AppConfig


class CommunesConfig(AppConfig):
    name = "communes"
    verbose_name = "Communes et acteurs"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from communes import demo
        from communes.filters import forget_ordered_communes
        from communes.models import Commune

        # The commune filters' cached list (communes/filters.py) is forgotten when a commune changes.
        post_save.connect(forget_ordered_communes, sender=Commune, dispatch_uid="forget_ordered_communes")
        post_delete.connect(forget_ordered_communes, sender=Commune, dispatch_uid="forget_ordered_communes")
        from communes.portrait import demo as portrait_demo
        from communes.portrait import hub as portrait_hub
        from communes.portrait import sources  # noqa: F401  (each adapter registers its source)
        from core import hub
        from core.demo import register_step

        register_step(10, demo.seed_people)
        register_step(11, portrait_demo.seed_portraits)
        hub.register_section(30, portrait_hub.portrait_section)
