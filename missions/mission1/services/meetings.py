from core.models import User
from missions.mission1.models.meetings import Meeting, MeetingParticipant


def save_meeting(*, form, by: User) -> bool:
    """Save a meeting with its participants (present / excused); the commune follows the accompaniment.

    Refused (False, French error on the form, nothing written) when someone saved the meeting since the form was
    loaded: the first person's minutes are never overwritten without being seen.
    """
    meeting = form.instance
    if meeting.accompaniment_id:
        meeting.commune = meeting.accompaniment.commune
    if meeting.created_by_id is None:
        meeting.created_by = by
    return form.save_versioned(commit_extra=lambda saved: _save_participants(saved, form))


def _save_participants(meeting: Meeting, form) -> None:
    wanted = {contact.pk: MeetingParticipant.Attendance.PRESENT for contact in form.cleaned_data["present"]}
    wanted.update({contact.pk: MeetingParticipant.Attendance.EXCUSED for contact in form.cleaned_data["excused"]})
    existing = {participation.contact_id: participation for participation in meeting.participations.all()}
    for contact_id, participation in existing.items():
        if contact_id not in wanted:
            participation.delete()
        elif participation.attendance != wanted[contact_id]:
            participation.attendance = wanted[contact_id]
            participation.save(update_fields=["attendance"])
    for contact_id, attendance in wanted.items():
        if contact_id not in existing:
            MeetingParticipant.objects.create(meeting=meeting, contact_id=contact_id, attendance=attendance)
