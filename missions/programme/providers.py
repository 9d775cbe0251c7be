"""What the programme plugs in at start-up: its demo step (the contract, before any domain's field work)."""


def register() -> None:
    from missions.programme import demo
    from pat_portal.kernel.demo import register_step

    register_step(20, demo.seed)
