"""Admin pages for GBM officers only: one mixin instead of the five permission methods copied on each admin."""

from core import access


class OfficerOnlyAdminMixin:
    """Module, view, add, change and delete are for GBM officers with admin access and superusers
    (`access.can_use_officer_admin`), whatever Django's per-model permissions say.

    Put it first in the bases of a `ModelAdmin` or an inline; an admin narrows one permission by overriding it and
    calling `super()` (e.g. only a draft order form is deleted), or refuses it outright (requests come through the
    portal: no add here).
    """

    def officer_may_use(self, request) -> bool:
        return access.can_use_officer_admin(request.user)

    def has_module_permission(self, request):
        return self.officer_may_use(request)

    def has_view_permission(self, request, obj=None):
        return self.officer_may_use(request)

    def has_add_permission(self, request, obj=None):
        return self.officer_may_use(request)

    def has_change_permission(self, request, obj=None):
        return self.officer_may_use(request)

    def has_delete_permission(self, request, obj=None):
        return self.officer_may_use(request)
