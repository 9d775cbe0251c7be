from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The portal's cross-app pages: dashboard and home pages, overview, search, cross-app exports, feeds."""

    name = "pat_portal.pages"
    label = "pages"
    verbose_name = "Pages du portail"

    def ready(self):
        from core import hub
        from pat_portal.pages import hub as pages_hub

        hub.register_commune_annotations(pages_hub.reminder_annotations)
        hub.register_section(95, pages_hub.status_section)
        hub.register_events(pages_hub.reminder_events)
