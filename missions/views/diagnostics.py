from django.http import Http404


def diagnostic_detail(request, insee_code):
    raise Http404


def diagnostic_update(request, insee_code):
    raise Http404


def diagnostic_pdf(request, insee_code):
    raise Http404


def diagnostic_history(request, insee_code):
    raise Http404
