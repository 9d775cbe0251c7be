from django.apps import AppConfig


class AteliersConfig(AppConfig):
    name = "ateliers"
    verbose_name = "Ateliers de partage (mission 2)"

    def ready(self):
        from ateliers import demo
        from ateliers import gdpr as ateliers_gdpr
        from ateliers import hub as ateliers_hub
        from communes import gdpr
        from core import hub
        from core.demo import register_step

        hub.register_section(40, ateliers_hub.workshops_section)
        hub.register_events(ateliers_hub.workshop_events)
        gdpr.register_provider(ateliers_gdpr.PROVIDER)
        register_step(40, demo.seed)
        register_deliverables()


def register_deliverables() -> None:
    """How the kernel's deliverable workflow renders, hashes, hands out and traces the workshops' deliverables."""
    from ateliers import services
    from ateliers.models import AttendanceSheet, WorkshopReport
    from core.deliverables import register_deliverable

    register_deliverable(
        WorkshopReport,
        render=services.render_report_deliverable,
        content=services.report_content,
        audience=services.may_download_report,
        carrying=services.reports_naming,
    )
    register_deliverable(
        AttendanceSheet,
        render=services.render_attendance_sheet_deliverable,
        content=services.attendance_sheet_content,
        carrying=services.attendance_sheets_naming,
    )
