from django.apps import AppConfig


class PatPortalConfig(AppConfig):
    name = "pat_portal"
    verbose_name = "Portail PAT"

    def ready(self):
        from . import hub, hub_sections

        hub.register_section(90, hub_sections.deliverables_section)
        hub.register_events(hub_sections.deliverable_events)
