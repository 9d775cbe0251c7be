from django.apps import AppConfig


class AteliersConfig(AppConfig):
    name = "ateliers"
    verbose_name = "Ateliers de partage (mission 2)"

    def ready(self):
        from pat_portal import hub

        from . import hub as ateliers_hub

        hub.register_section(40, ateliers_hub.workshops_section)
        hub.register_events(ateliers_hub.workshop_events)
