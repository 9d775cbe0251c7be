"""What Mission 1 plugs into the layers below it at start-up: hub sections and events, GDPR
providers, demo steps, the revocation of an ended account's share links."""


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

    from core.accounts import account_ended
    from missions.mission1.models.share_links import revoke_links_of

    account_ended.connect(revoke_links_of, dispatch_uid="mission1_share_links_of_ended_account")
