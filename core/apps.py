import decimal

from django import forms
from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The kernel every app may use; its label stays "pat_portal" (tables, migrations, AUTH_USER_MODEL)."""

    name = "core"
    label = "pat_portal"
    verbose_name = "Portail PAT"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_save

        from core import accounts, french, hub, hub_sections, pdf_layout
        from core.models import User

        connection_created.connect(french.register_sqlite_collation, dispatch_uid="french_sqlite_collation")
        hub.register_section(90, hub_sections.deliverables_section)
        hub.register_events(hub_sections.deliverable_events)
        post_save.connect(accounts.apply_after_save, sender=User, dispatch_uid="account_ended_at_once")
        # A cached PDF may name the person whose account ended (core/pdf_layout.py: the whole cache is purged).
        accounts.account_ended.connect(pdf_layout.purge_cache_on_commit, dispatch_uid="pdf_cache_of_ended_account")
        _signalling_nan_counts_as_changed()


def _signalling_nan_counts_as_changed():
    """Django 5.2's DecimalField.has_changed compares the posted value with the initial one; a posted "sNaN" is a
    signalling NaN, whose comparison raises InvalidOperation: a server error on every formset or admin inline row
    holding a decimal (found by tests/security/test_fuzz_forms.py). Such a value has changed, and clean() then
    refuses it with Django's usual message ("Saisissez un nombre.")."""
    has_changed = forms.DecimalField.has_changed
    if getattr(has_changed, "signalling_nan_safe", False):
        return

    def safe_has_changed(field, initial, data):
        try:
            return has_changed(field, initial, data)
        except decimal.InvalidOperation:
            return True

    safe_has_changed.signalling_nan_safe = True
    forms.DecimalField.has_changed = safe_has_changed
