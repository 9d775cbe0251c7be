from django.contrib import messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django_filters.views import FilterView

from core import access
from core.french import french_order
from core.querysets import get_visible_or_404
from core.submissions import once_per_submission
from missions.mission1.filters.meetings import MeetingFilter
from missions.mission1.forms.fieldwork import MeetingForm
from missions.mission1.models.accompaniments import Accompaniment
from missions.mission1.models.meetings import HEADCOUNT_FIELDS, Meeting, MeetingParticipant
from missions.mission1.services.meetings import save_meeting

LISTED_FIELDS = (
    "starts_at",
    "title",
    "kind",
    "place",
    "commune__name",
    "created_by__first_name",
    "created_by__last_name",
    "created_by__username",
    *(name for name, _label, _categories in HEADCOUNT_FIELDS),
)


class MeetingListView(FilterView):
    filterset_class = MeetingFilter
    template_name = "missions/meeting_list.html"
    paginate_by = 30
    context_object_name = "meetings"

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "user": self.request.user}

    def get_queryset(self):
        return (
            Meeting.objects.visible_to(self.request.user)
            .select_related("commune", "created_by")
            # What a row shows: not the minutes and notes (long texts) nor the whole commune and user rows.
            .only(*LISTED_FIELDS)
            # A correlated subquery, not a JOIN + GROUP BY: the page's LIMIT then walks the starts_at index
            # instead of aggregating every meeting first (issue 10 benchmark, 6,000 meetings).
            .annotate(
                present_count=Coalesce(
                    Subquery(
                        MeetingParticipant.objects.filter(
                            meeting=OuterRef("pk"), attendance=MeetingParticipant.Attendance.PRESENT
                        )
                        .order_by()
                        .values("meeting")
                        .annotate(n=Count("pk"))
                        .values("n")
                    ),
                    0,
                )
            )
            .order_by("-starts_at")
        )


@once_per_submission
def meeting_create(request):
    access.require(access.can_write_field_work(request.user))
    initial = {}
    accompaniment = Accompaniment.objects.filter(pk=request.GET.get("accompagnement") or None).first()
    if accompaniment:
        initial = {"accompaniment": accompaniment, "commune": accompaniment.commune}
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and save_meeting(form=form, by=request.user):
        messages.success(request, "Réunion enregistrée.")
        return redirect(form.instance)
    return render(request, "missions/meeting_form.html", {"form": form, "title": "Nouvelle réunion"})


def meeting_detail(request, pk):
    meeting = get_visible_or_404(
        Meeting.objects.select_related("commune", "accompaniment", "created_by"), request.user, pk=pk
    )
    participations = meeting.participations.select_related("contact", "contact__commune").order_by(
        "attendance", french_order("contact__last_name"), french_order("contact__first_name"), "pk"
    )
    context = {
        "meeting": meeting,
        "participations": participations,
        "show_internal": access.can_see_internal_notes(request.user),
        "can_edit": access.can_write_field_work(request.user),
    }
    return render(request, "missions/meeting_detail.html", context)


def meeting_update(request, pk):
    meeting = get_visible_or_404(Meeting, request.user, pk=pk)
    access.require(access.can_write_field_work(request.user))
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid() and save_meeting(form=form, by=request.user):
        messages.success(request, "Réunion modifiée.")
        return redirect(meeting)
    return render(request, "missions/meeting_form.html", {"form": form, "title": f"Modifier : {meeting}"})
