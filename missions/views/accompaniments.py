from django.http import Http404


def accompaniment_create(request):
    raise Http404


def accompaniment_update(request, pk):
    raise Http404
