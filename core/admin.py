from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice

from core.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "last_name",
        "first_name",
        "email",
        "role",
        "commune",
        "is_active",
        "ends_on",
        "is_staff",
    ]
    list_filter = ["role", "is_active", "is_staff", "commune"]
    list_select_related = ["commune"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Rôle dans le portail", {"fields": ["role", "commune", "organisation", "phone"]}),
        ("Fin du compte", {"fields": ["ends_on", "access_ended_at"]}),
    ]
    readonly_fields = ["access_ended_at"]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        ("Rôle dans le portail", {"fields": ["email", "first_name", "last_name", "role", "commune"]}),
    ]
    autocomplete_fields = ["commune"]


# django-axes' section ("AXES": access attempts, logs, failure logs) is a developer's tool: hidden from the admin's
# index unless DEBUG, so GBM officers (staff, often superusers) see only the portal's own sections. The pages stay
# reachable by their URL for a superuser who has to unlock an account (or `manage.py axes_reset_username`).
def _hide_axes_from_the_index() -> None:
    try:
        from axes import admin as axes_admin  # registers axes' admins first, whatever the app order
    except ImportError:
        return
    for model, admin_class in list(admin.site._registry.items()):
        if model._meta.app_label != "axes" or getattr(admin_class, "hidden_unless_debug", False):
            continue
        hidden = type(
            type(admin_class).__name__,
            (type(admin_class),),
            {"hidden_unless_debug": True, "has_module_permission": lambda self, request: settings.DEBUG},
        )
        admin.site.unregister(model)
        admin.site.register(model, hidden)
    del axes_admin


_hide_axes_from_the_index()


class RecoveryCodesAdmin(StaticDeviceAdmin):
    """A person's recovery codes (django-otp's static device): the admin deletes them with the application when a
    person has lost both, and neither shows nor writes the codes (django-otp's inline did both, uncapped)."""

    inlines = []


admin.site.unregister(StaticDevice)
admin.site.register(StaticDevice, RecoveryCodesAdmin)
