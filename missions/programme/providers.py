"""What the programme plugs in at start-up: its demo step (the contract, before any domain's field work) and the
contract's steering thresholds, which the kernel reads (deliverables awaiting validation for too long)."""


def register() -> None:
    from core.demo import register_step
    from core.lateness import register_thresholds
    from missions.programme import demo

    register_step(20, demo.seed)
    register_thresholds(current_thresholds, expression=current_threshold)


def current_thresholds():
    """The thresholds of the programme running today (None when there is no programme yet)."""
    from missions.programme.models import Programme

    programme = Programme.objects.current()
    return programme.thresholds if programme is not None else None


def current_threshold(name: str):
    """One threshold of the current programme as a scalar subquery (NULL without a programme)."""
    from missions.programme.models import Programme

    return Programme.objects.current_value(name)
