"""What the money domain plugs into the layers below it at start-up: the order forms' hub section (team
only), demo step, the upkeep of the lines' consumption with the time entries."""


def register() -> None:
    from core import hub
    from core.demo import register_step
    from missions.money import demo
    from missions.money import hub as money_hub
    from missions.money.services import consumption

    hub.register_section(70, money_hub.order_forms_section)
    hub.register_events(money_hub.order_form_events)
    register_step(60, demo.seed)
    consumption.connect()
