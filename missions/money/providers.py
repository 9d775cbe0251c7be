"""What the money domain plugs into the layers below it at start-up: the order forms' hub section (team
only), demo step."""


def register() -> None:
    from missions.money import demo
    from missions.money import hub as money_hub
    from pat_portal.kernel import hub
    from pat_portal.kernel.demo import register_step

    hub.register_section(70, money_hub.order_forms_section)
    hub.register_events(money_hub.order_form_events)
    register_step(60, demo.seed)
