from django.apps import AppConfig


class CommunesConfig(AppConfig):
    name = "communes"
    verbose_name = "Communes et acteurs"

    def ready(self):
        from communes import demo
        from communes.portrait import demo as portrait_demo
        from communes.portrait import hub as portrait_hub
        from communes.portrait import sources  # noqa: F401  (each adapter registers its source)
        from core import hub
        from core.demo import register_step

        register_step(10, demo.seed_people)
        register_step(11, portrait_demo.seed_portraits)
        hub.register_section(30, portrait_hub.portrait_section)
