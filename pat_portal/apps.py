from django.apps import AppConfig


class PatPortalConfig(AppConfig):
    name = "pat_portal"
    verbose_name = "Portail PAT"
