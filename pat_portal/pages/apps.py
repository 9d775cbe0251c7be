from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The portal's cross-app pages: dashboard and home pages, overview, search, cross-app exports, feeds."""

    name = "pat_portal.pages"
    label = "pages"
    verbose_name = "Pages du portail"
