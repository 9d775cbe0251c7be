"""What Mission 1 plugs into the layers below it at start-up: hub sections and events, GDPR
providers, demo steps."""


def register() -> None:
    from communes import gdpr
    from core import hub
    from core.demo import register_step
    from missions.mission1 import demo
    from missions.mission1 import gdpr as mission1_gdpr
    from missions.mission1 import hub as mission1_hub

    hub.register_section(10, mission1_hub.accompaniment_section)
    hub.register_section(20, mission1_hub.meetings_section)
    hub.register_events(mission1_hub.mission1_events)
    hub.register_commune_annotations(mission1_hub.meeting_annotations)
    for provider in mission1_gdpr.PROVIDERS:
        gdpr.register_provider(provider)
    register_step(30, demo.seed_mission1)
    register_step(31, demo.seed_action_plans)
