"""Who may do what: the portal's role rules, one small function each.

Reads outside a user's scope answer 404 (views fetch through `Model.objects.visible_to(user)`);
writes without the right answer 403 (views call the functions below and raise PermissionDenied).
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied

from core.deliverables.registry import audience_allows


def is_team(user) -> bool:
    """GBM officers and consultants run the programme and see every commune."""
    return bool(user.is_authenticated and user.is_team)


def is_gbm(user) -> bool:
    """GBM project officers steer the programme: they validate and decide."""
    return bool(user.is_authenticated and user.is_gbm)


def is_elu(user) -> bool:
    return bool(user.is_authenticated and user.is_elu)


def can_see_all_communes(user) -> bool:
    """GBM officers and consultants see every commune; an élu sees only their own."""
    return is_team(user)


def can_manage_contacts(user) -> bool:
    """The contact directory (personal data) is for GBM officers and consultants only."""
    return is_team(user)


def can_write_field_work(user) -> bool:
    """GBM officers and consultants write meetings, diagnostics, plans, workshops, steps and time."""
    return is_team(user)


def can_validate(user) -> bool:
    """Only GBM officers validate deliverables and themes and decide support requests."""
    return is_gbm(user)


def can_submit_deliverable(user, subject) -> bool:
    """GBM officers and consultants submit a draft, or a version sent back for corrections, for validation."""
    return can_write_field_work(user) and subject is not None and subject.is_submittable_state


def can_review_deliverable(user, deliverable) -> bool:
    """Only a GBM officer validates or sends back a submitted version."""
    return can_validate(user) and deliverable is not None and deliverable.status == deliverable.Status.SUBMITTED


def can_edit_deliverable_content(user, subject) -> bool:
    """The team writes a diagnostic, a plan or a report, except while a submitted version awaits validation: what
    was submitted is what GBM validates (and what the commune approved), so GBM sends it back before any edit."""
    return can_write_field_work(user) and not (subject is not None and subject.awaits_validation)


def can_reissue_deliverable(user, deliverable) -> bool:
    """Only a GBM officer re-issues a frozen version (the old one is withdrawn from download)."""
    return can_validate(user) and deliverable is not None and deliverable.is_frozen


def can_download_frozen_versions(user, subject) -> bool:
    """Frozen versions go to the same people as the live page or list they freeze: e.g. a workshop report, which
    carries the consented contact list, to the team and the élus whose commune took part. Each kind of deliverable
    registers its rule; reads outside `Deliverable.objects.visible_to(user)` are 404 before this is asked."""
    return audience_allows(user, subject)


def can_download_validated_document(user, subject) -> bool:
    """An élu downloads, from a document's main PDF button, only its validated versions, with the download rule of its
    kind: the follow-up sheet of their own commune's support request, the report of a workshop their commune took part
    in (it carries the consented contact list). Never a working draft, which may carry what élus do not see (internal
    notes, contacts who did not consent)."""
    return can_download_frozen_versions(user, subject)


def require(allowed: bool) -> None:
    """Raise 403 unless the rule allowed the write."""
    if not allowed:
        raise PermissionDenied


def can_enrol_commune(user) -> bool:
    """A GBM officer puts a commune into the programme (Mission 1)."""
    return is_gbm(user)


def can_send_reminder(user) -> bool:
    """Only a GBM officer reminds a silent commune's élus: the reminder is sent in GBM's name."""
    return is_gbm(user)


def can_see_internal_notes(user) -> bool:
    """Meetings' internal notes are for GBM officers and consultants, never for élus."""
    return is_team(user)


def can_read_order_forms(user) -> bool:
    """GBM officers and consultants read order forms, prices, budget and time; élus never see any of it."""
    return is_team(user)


def can_manage_order_forms(user) -> bool:
    """Order forms are written by GBM officers (in the Django admin); a superuser may also undo a status."""
    return bool(user.is_authenticated and (user.is_gbm or user.is_superuser))


def can_use_officer_admin(user) -> bool:
    """The officers' admin pages (order forms and their lines, the price list, Mission 3's priority weights and
    requests) are for GBM officers with admin access (staff) and superusers: the role decides, not Django's
    per-model permissions."""
    return bool(user.is_active and user.is_staff and (user.is_superuser or user.is_gbm))


def can_log_time(user) -> bool:
    """Consultants log their time; GBM officers may log or correct it on a consultant's behalf."""
    return is_team(user)


def can_edit_time_entry(user, entry) -> bool:
    """A consultant edits only their own time entries; a GBM officer may correct anyone's."""
    return is_gbm(user) or (user.is_authenticated and user.is_consultant and entry.consultant_id == user.pk)


def can_lock_time(user) -> bool:
    """Only GBM officers lock (and unlock) a month of time entries."""
    return is_gbm(user)


def can_override_time_limits(user) -> bool:
    """Only a GBM officer charges time beyond 100 % of an order line, or to an order form already executed, invoiced
    or paid, and only with a reason, which is recorded on the entry."""
    return is_gbm(user)


def can_propose_theme(user) -> bool:
    """GBM officers and consultants propose workshop themes (often drawn from the communes' action plans)."""
    return is_team(user)


def can_review_theme(user) -> bool:
    """Only GBM officers validate or reject a proposed workshop theme."""
    return is_gbm(user)


def can_register_for_workshop(user, commune) -> bool:
    """The team registers anyone for a workshop; an élu registers only people of their own commune."""
    if is_team(user):
        return True
    return is_elu(user) and commune is not None and commune.pk == user.commune_id


def can_manage_registration(user, registration) -> bool:
    """The team manages every registration; an élu those of their own commune's people (consent, withdrawal)."""
    if is_team(user):
        return True
    return is_elu(user) and registration.commune_id is not None and registration.commune_id == user.commune_id


def can_record_consent(user) -> bool:
    """Consent to share one's contact details is given by the person: the team records it from a document the person
    signed or sent (attendance sheet, form, e-mail); an élu never records it for someone else, they may only ask the
    person to confirm it through an e-mailed link."""
    return is_team(user)


def can_see_contact_details(user, registration) -> bool:
    """A participant's e-mail and phone: the team always; anyone else only if the person consents to share them."""
    return is_team(user) or (user.is_authenticated and registration.consent_to_share)


def can_see_workshop_contact_list(user, *, commune_took_part: bool) -> bool:
    """A workshop's consented contact list is shared with the team and the élus whose commune took part."""
    return is_team(user) or (is_elu(user) and commune_took_part)


def can_approve_action_plan(user, plan) -> bool:
    """An élu approves only the action plan of their own commune."""
    return is_elu(user) and plan.accompaniment.commune_id == user.commune_id


def can_import_spreadsheet(user) -> bool:
    """GBM officers and consultants bring an existing plan or diagnostic in from a spreadsheet, as they would type
    it (never while a submitted version awaits validation: the import is an edit like any other)."""
    return can_write_field_work(user)


def can_share_action_plan(user, plan) -> bool:
    """A read-only link for the municipal council is created by the commune's own élus or by a GBM officer."""
    return is_gbm(user) or (is_elu(user) and plan.accompaniment.commune_id == user.commune_id)


def can_revoke_share_link(user, link) -> bool:
    """A share link is turned off by the commune's own élus or by a GBM officer, whoever created it."""
    return can_share_action_plan(user, link.plan)


def can_decide_support_request(user) -> bool:
    """Only a GBM officer accepts or refuses a support request (after agreeing it with the contractor)."""
    return is_gbm(user)


def can_follow_support_request(user) -> bool:
    """GBM officers and consultants instruct requests and follow the accepted ones (steps, financing, evaluation)."""
    return is_team(user)


def can_ask_support_for(user, commune) -> bool:
    """An élu asks for support in the portal for their own commune only."""
    return bool(is_elu(user) and commune is not None and user.commune_id == commune.pk)


def can_see_support_requester_details(user) -> bool:
    """A requester's e-mail and phone (personal data) are for GBM officers and consultants, not for élus."""
    return is_team(user)


def can_handle_personal_data_requests(user) -> bool:
    """GDPR requests (export everything held about a contact, erase them) are decided by GBM, the controller."""
    return is_gbm(user)


def must_use_second_factor(user) -> bool:
    """GBM officers reach personal data and the admin: with the setting `OTP_REQUIRED_FOR_OFFICERS` on, they work
    only in a session verified by a second factor (every other role may turn one on)."""
    return bool(settings.OTP_REQUIRED_FOR_OFFICERS and is_gbm(user))


def can_replace_recovery_codes(user) -> bool:
    """New recovery codes from a session verified by the second factor only (a stolen password is not enough)."""
    return bool(user.is_authenticated and user.is_verified())


def can_turn_off_second_factor(user) -> bool:
    """From a verified session, and never while the second factor is required for the person (officers)."""
    return can_replace_recovery_codes(user) and not must_use_second_factor(user)


def can_watch_service(user) -> bool:
    """GBM officers see the service banner (a stopped worker, failed mails) and resend the failed mails."""
    return is_gbm(user)


def can_manage_people(user) -> bool:
    """GBM officers invite people, and set the end date of an account or close it (issue 24)."""
    return is_gbm(user)


def can_refresh_portrait(user) -> bool:
    """GBM officers and consultants ask for a new reading of a commune's open data (its portrait); élus read it."""
    return is_team(user)
