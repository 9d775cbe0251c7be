from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from missions.models import Programme


def home(request):
    """The dashboard for GBM officers and consultants; an élu lands on their commune's hub."""
    if request.user.is_elu:
        return redirect(request.user.commune)
    programme = Programme.objects.visible_to(request.user).current()
    return render(request, "pat_portal/home.html", {"programme": programme})


@login_not_required
@never_cache
def health(request):
    """Liveness for the load balancer and the benchmark baseline: answers once the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")
