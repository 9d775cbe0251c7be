"""The mails given up after every attempt, for GBM officers: each with its error and a « Renvoyer » button."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from core import access, worker_status
from core.submissions import once_per_submission


@require_safe
def failed_mails(request):
    access.require(access.can_watch_service(request.user))
    mails = [worker_status.describe(result) for result in worker_status.failed_mails()]
    return render(request, "pages/failed_mails.html", {"mails": mails})


@require_POST
@once_per_submission
def resend_failed_mail(request, pk):
    access.require(access.can_watch_service(request.user))
    if worker_status.resend_failed_mail(pk):
        messages.success(request, "Le courriel est de nouveau en file d'envoi.")
    else:
        messages.info(request, "Ce courriel avait déjà été renvoyé.")
    return redirect("failed_mails")
