from django.apps import AppConfig


class AteliersConfig(AppConfig):
    name = "ateliers"
    verbose_name = "Ateliers de partage (mission 2)"

    def ready(self):
        from ateliers import hub as ateliers_hub
        from pat_portal.kernel import hub

        hub.register_section(40, ateliers_hub.workshops_section)
        hub.register_events(ateliers_hub.workshop_events)
