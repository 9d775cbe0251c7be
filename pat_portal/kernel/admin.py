from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from pat_portal.kernel.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "last_name", "first_name", "email", "role", "commune", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "commune"]
    list_select_related = ["commune"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Rôle dans le portail", {"fields": ["role", "commune", "organisation", "phone"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        ("Rôle dans le portail", {"fields": ["email", "first_name", "last_name", "role", "commune"]}),
    ]
    autocomplete_fields = ["commune"]
