"""Public pages that anyone may read without an account: what the portal does with personal data."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

# Contacts not involved in anything for this long are anonymised (`anonymise_inactive_contacts`).
CONTACT_RETENTION_MONTHS = 24


@login_not_required
@require_safe
def personal_data(request):
    return render(request, "pat_portal/personal_data.html", {"retention_months": CONTACT_RETENTION_MONTHS})
