"""What Mission 3 plugs into the layers below it at start-up: hub section and events, GDPR provider,
demo step."""


def register() -> None:
    from communes import gdpr
    from core import hub
    from core.demo import register_step
    from missions.support import demo, selectors
    from missions.support import gdpr as support_gdpr

    hub.register_section(60, selectors.hub_section)
    hub.register_events(selectors.hub_events)
    gdpr.register_provider(support_gdpr.PROVIDER)
    register_step(50, demo.seed)
