from django.http import Http404
from django.views.generic import ListView


class MeetingListView(ListView):
    def get(self, request, *args, **kwargs):
        raise Http404


def meeting_create(request):
    raise Http404


def meeting_detail(request, pk):
    raise Http404


def meeting_update(request, pk):
    raise Http404
