from django.apps import AppConfig


class MissionsConfig(AppConfig):
    """One Django app (one migration history) for the contract's domains, each a package of its own:
    programme, Mission 1 (mission1), Mission 3 (support) and the money (order forms, time, budget)."""

    name = "missions"
    verbose_name = "Missions 1 et 3, budget"

    def ready(self):
        from missions.mission1 import providers as mission1
        from missions.money import providers as money
        from missions.programme import providers as programme
        from missions.support import providers as support

        programme.register()
        mission1.register()
        support.register()
        money.register()
        register_deliverables()


def register_deliverables() -> None:
    """How the kernel's deliverable workflow renders, hashes and traces Mission 1's and Mission 3's deliverables."""
    from core.deliverables import register_deliverable
    from missions.mission1.models.action_plans import ActionPlan
    from missions.mission1.models.diagnostics import Diagnostic
    from missions.mission1.services import action_plans, diagnostics
    from missions.support import services as support_services
    from missions.support.models import SupportRequest

    register_deliverable(
        Diagnostic,
        render=diagnostics.render_diagnostic_pdf,
        content=diagnostics.diagnostic_content,
        carrying=diagnostics.diagnostics_naming,
    )
    register_deliverable(
        ActionPlan,
        render=action_plans.render_action_plan_pdf,
        content=action_plans.action_plan_content,
        carrying=action_plans.action_plans_naming,
        waits_for=ActionPlan.waits_for_council,
        ready_since=ActionPlan.council_approval_time,
    )
    register_deliverable(
        SupportRequest,
        render=support_services.render_support_sheet_pdf,
        content=support_services.support_sheet_content,
        carrying=support_services.support_sheets_naming,
    )
