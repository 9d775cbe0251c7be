from django.apps import AppConfig


class AteliersConfig(AppConfig):
    name = "ateliers"
    verbose_name = "Ateliers de partage (mission 2)"

    def ready(self):
        from ateliers import demo
        from ateliers import gdpr as ateliers_gdpr
        from ateliers import hub as ateliers_hub
        from communes import gdpr
        from pat_portal.kernel import hub
        from pat_portal.kernel.demo import register_step

        hub.register_section(40, ateliers_hub.workshops_section)
        hub.register_events(ateliers_hub.workshop_events)
        gdpr.register_provider(ateliers_gdpr.PROVIDER)
        register_step(40, demo.seed)
