"""The portal's authentication backend: Django's, reading an élu's commune with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PortalModelBackend(ModelBackend):
    """Django's ModelBackend, loading the user of each request with their commune in the same query.

    The navigation names an élu's commune and links to it on every page: without the join, each of an élu's
    requests would pay a second query for it (issue 19).
    """

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("commune").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def user_can_authenticate(self, user):
        """Active, and not past the end of the mandate or contract (issue 24): an ended account's sessions end with
        it, since `get_user` asks the same."""
        return super().user_can_authenticate(user) and not user.has_ended()
