from django.apps import AppConfig


class MissionsConfig(AppConfig):
    name = "missions"
    verbose_name = "Missions 1 et 3, budget"

    def ready(self):
        from missions.mission1 import hub as mission_hub
        from pat_portal.kernel import hub

        # Mission 1
        hub.register_section(10, mission_hub.accompaniment_section)
        hub.register_section(20, mission_hub.meetings_section)
        hub.register_events(mission_hub.mission1_events)

        # Mission 3: support requests
        from missions.support import selectors as support_selectors

        hub.register_section(60, support_selectors.hub_section)
        hub.register_events(support_selectors.hub_events)

        # Order forms and time (team only)
        from missions.money import hub as hub_orders

        hub.register_section(70, hub_orders.order_forms_section)
        hub.register_events(hub_orders.order_form_events)
