"""Every write of the partnership app: reviews, contacts, portal settings and invitations, pupils' comments,
report runs, release and sending. Keyword-only, atomic, validating before saving."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pupils.models import Contact, Pupil
from schoolpl.models import AssessmentWindow, Membership, School, User
from schoolpl.outbox import enqueue
from schoolpl.roles import Role
from targets.models import CurricularTarget
from targets.services import notifications_to_pupil_teachers

from . import reporting
from .models import (
    Invitation,
    PortalLink,
    PortalSettings,
    ProgressReview,
    PupilTargetComment,
    Report,
    ReportRun,
    ReportSend,
)

log = logging.getLogger(__name__)
INVITATION_DAYS = 14
BATCH = 100


# --- reviews -----------------------------------------------------------------------------------------


@transaction.atomic
def review_record(*, pupil: Pupil, tutor: User, data: dict, targets: Iterable[CurricularTarget] = ()) -> ProgressReview:
    """Record a progress review meeting. ``targets`` must be the pupil's own curricular targets."""
    if data.get("refer_to_senco") and not (data.get("referral_reason") or "").strip():
        raise ValidationError({"referral_reason": "Say briefly why you are referring this pupil to the SENCO."})
    foreign = [t for t in targets if t.pupil_id != pupil.pk]
    if foreign:
        raise ValidationError({"targets_reviewed": "Only this pupil's own targets can be reviewed."})
    fields = {
        k: data[k]
        for k in (
            "held_on",
            "pupil_attended",
            "parent_attended",
            "others_attending",
            "pupil_view",
            "targets_agreed",
            "barriers",
            "actions",
            "refer_to_senco",
            "referral_reason",
        )
        if k in data
    }
    review = ProgressReview.objects.create(school=pupil.school, pupil=pupil, tutor=tutor, **fields)
    if targets:
        review.targets_reviewed.set(targets)
    return review


@transaction.atomic
def referral_close(*, review: ProgressReview) -> None:
    ProgressReview.objects.filter(pk=review.pk, referral_closed_at__isnull=True).update(
        referral_closed_at=timezone.now()
    )


# --- contacts --------------------------------------------------------------------------------------------


@transaction.atomic
def contact_save(*, pupil: Pupil, data: dict, contact: Contact | None = None) -> Contact:
    if contact is not None and contact.pupil_id != pupil.pk:
        raise ValidationError("That contact belongs to another pupil.")
    contact = contact or Contact(pupil=pupil)
    for key, value in data.items():
        setattr(contact, key, value)
    contact.full_clean()
    contact.save()
    return contact


# --- portal -------------------------------------------------------------------------------------------------


def portal_settings_for(school: School) -> PortalSettings:
    settings, _ = PortalSettings.objects.get_or_create(school=school)
    return settings


@transaction.atomic
def portal_settings_update(*, school: School, pupils_enabled: bool, parents_enabled: bool) -> PortalSettings:
    settings, _ = PortalSettings.objects.select_for_update().get_or_create(school=school)  # one change at a time
    settings.pupils_enabled, settings.parents_enabled = pupils_enabled, parents_enabled
    settings.save()
    return settings


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, pupil: Pupil, kind: str, invited_by: User, contact: Contact | None = None, email: str = ""
) -> tuple[Invitation, str]:
    """An invitation to the portal for the pupil themselves or one of their contacts; returns it with the raw
    token (shown once, never stored)."""
    if kind not in PortalLink.Kind.values:
        raise ValidationError("Unknown kind of portal account.")
    if kind == PortalLink.Kind.PARENT and contact is None:
        raise ValidationError("Choose which parent or carer to invite.")
    if contact is not None and contact.pupil_id != pupil.pk:
        raise ValidationError("That contact belongs to another pupil.")
    if kind == PortalLink.Kind.PARENT and contact is not None and not contact.parental_responsibility:
        raise ValidationError("Only a contact with parental responsibility can see reports.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        school=pupil.school,
        pupil=pupil,
        contact=contact,
        kind=kind,
        email=email or (contact.email if contact else ""),
        token_hash=_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    return invitation, token


def invitation_by_token(token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("pupil", "school").filter(token_hash=_hash(token or "")).first()
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < timezone.now():
        return None
    return invitation


def _link(invitation: Invitation, user: User) -> PortalLink:
    role = Role.PUPIL if invitation.kind == PortalLink.Kind.PUPIL else Role.PARENT
    Membership.objects.get_or_create(user=user, school=invitation.school, role=role)
    link, _ = PortalLink.objects.update_or_create(
        user=user,
        pupil=invitation.pupil,
        defaults={
            "school": invitation.school,
            "kind": invitation.kind,
            "contact": invitation.contact,
            "invited_by": invitation.invited_by,
            "accepted_at": timezone.now(),
            "revoked_at": None,
        },
    )
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now(), accepted_by=user
    )
    if not claimed:
        raise ValidationError("This invitation has already been used.")
    return link


@transaction.atomic
def invitation_accept(*, invitation: Invitation, username: str, password: str, first_name: str = "") -> User:
    """Create the portal account an invitation asks for and link it to the child."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "That username is taken; choose another."})
    user = User(username=username, first_name=first_name, email=invitation.email)
    user.set_password(password)
    user.save()
    _link(invitation, user)
    return user


@transaction.atomic
def invitation_accept_existing(*, invitation: Invitation, user: User) -> PortalLink:
    """A parent who already has an account adds another child to it. Staff accounts cannot."""
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    if roles - {Role.PUPIL, Role.PARENT}:
        raise ValidationError("A staff account cannot accept a portal invitation; sign out first.")
    if invitation.kind == PortalLink.Kind.PUPIL:
        raise ValidationError("A pupil's invitation makes a new account; sign out first.")
    return _link(invitation, user)


@transaction.atomic
def pupil_comment_add(*, target: CurricularTarget, pupil: Pupil, author: User, text: str) -> PupilTargetComment:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write your comment first."})
    if target.pupil_id != pupil.pk:
        raise ValidationError("That is not your target.")
    comment = PupilTargetComment.objects.create(target=target, pupil=pupil, author=author, text=text[:1000])
    # The pupil's teachers hear of it, not only the tutor: the teacher reviews the target.
    name = pupil.display_name
    notifications_to_pupil_teachers(
        pupil=pupil,
        subject=target.subject,
        kind="pupil_comment",
        message=f"{name} commented on their target “{target.text[:80]}”: “{comment.text[:120]}”",
        dedupe_key=f"pupil-comment:{comment.pk}",
    )
    return comment


# --- reports --------------------------------------------------------------------------------------------


@transaction.atomic
def report_run_start(*, school: School, window: AssessmentWindow, year_group: int, started_by: User) -> ReportRun:
    """Ask the worker to write (or rewrite) a year group's reports for a window."""
    total = reporting.pupils_for_reports(school, year_group).count()
    run = ReportRun.objects.create(
        school=school, window=window, year_group=year_group, total=total, started_by=started_by
    )
    enqueue(
        "partnership.tasks.generate_reports",
        school_id=school.pk,
        window_id=window.pk,
        year_group=year_group,
        run_id=run.pk,
    )
    return run


def reports_generate(
    *, school: School, window: AssessmentWindow, year_group: int, run: ReportRun | None = None
) -> dict:
    """Write every on-roll pupil's report in batches (idempotent: one row per pupil and window, drafts are
    rewritten, released reports are left exactly as parents saw them). Updates ``run`` as it goes."""
    pupils = list(reporting.pupils_for_reports(school, year_group))
    if run is not None:
        ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.RUNNING, total=len(pupils), done=0)
    created = updated = kept = 0
    for start in range(0, len(pupils), BATCH):
        batch = pupils[start : start + BATCH]
        contents = reporting.build_contents(school, window, batch)
        now = timezone.now()
        with transaction.atomic():
            existing = {
                r.pupil_id: r for r in Report.objects.select_for_update().filter(window=window, pupil__in=batch)
            }
            new, changed = [], []
            for pupil in batch:
                report = existing.get(pupil.pk)
                if report is None:
                    new.append(
                        Report(
                            school=school,
                            pupil=pupil,
                            window=window,
                            year_group=year_group,
                            content=contents[pupil.pk],
                            generated_at=now,
                        )
                    )
                elif report.is_released:
                    kept += 1
                else:
                    report.content, report.generated_at, report.year_group = contents[pupil.pk], now, year_group
                    changed.append(report)
            Report.objects.bulk_create(new, ignore_conflicts=True)
            Report.objects.bulk_update(changed, ["content", "generated_at", "year_group"])
            created, updated = created + len(new), updated + len(changed)
            if run is not None:
                ReportRun.objects.filter(pk=run.pk).update(done=F("done") + len(batch))
    if run is not None:
        ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.DONE, finished_at=timezone.now())
    log.info("reports for year %s window %s: %s new, %s rewritten, %s released kept", year_group, window.pk, created,
             updated, kept)  # fmt: skip
    return {"created": created, "updated": updated, "kept": kept}


@transaction.atomic
def reports_release(
    *,
    school: School,
    window: AssessmentWindow,
    year_group: int,
    released_by: User,
    report_ids: Iterable[int] | None = None,
) -> int:
    """Release draft reports (all of the set, or ``report_ids``): from now on they can be read and sent."""
    drafts = Report.objects.filter(school=school, window=window, year_group=year_group, status=Report.Status.DRAFT)
    if report_ids is not None:
        drafts = drafts.filter(pk__in=report_ids)
    return drafts.update(status=Report.Status.RELEASED, released_at=timezone.now(), released_by=released_by)


class NotReleased(ValidationError):
    pass


def _require_released(report: Report) -> None:
    if not report.is_released:
        raise NotReleased("This report has not been released; nothing about it can be sent yet.")


def report_recipients(report: Report) -> list[Contact]:
    return [c for c in report.pupil.contacts.all() if c.parental_responsibility and c.email]


def report_email(*, report: Report, link: str, sent_by: User, contacts: list[Contact] | None = None) -> int:
    """Email each parent or carer with parental responsibility a link to the released report, once each;
    every send is logged. Returns how many emails went."""
    _require_released(report)
    contacts = report_recipients(report) if contacts is None else contacts
    already = set(
        report.sends.filter(channel=ReportSend.Channel.EMAIL).values_list("contact_id", flat=True) if contacts else []
    )
    sent = 0
    for contact in contacts:
        if contact.pk in already:
            continue
        language = (contact.preferred_language or "English").strip()
        note = (
            f"\nIf you would like to talk about this report in {language}, please contact the school office.\n"
            if language.lower() != "english"
            else ""
        )
        body = (
            f"Dear {contact.name},\n\n"
            f"{report.content.get('pupil', {}).get('name', 'Your child')}'s progress report for "
            f"{report.content.get('window', {}).get('name', 'this term')} is ready.\n\n"
            f"Read it here (sign in with your parent account): {link}\n{note}\n"
            f"{report.content.get('school', '')}"
        )
        EmailMessage(
            subject=f"Progress report: {report.content.get('window', {}).get('name', '')}",
            body=body,
            to=[contact.email],
        ).send()
        ReportSend.objects.create(
            report=report, contact=contact, channel=ReportSend.Channel.EMAIL, email=contact.email, sent_by=sent_by
        )
        sent += 1
    return sent


@transaction.atomic
def report_mark_printed(*, report: Report, sent_by: User) -> ReportSend:
    _require_released(report)
    return ReportSend.objects.create(report=report, channel=ReportSend.Channel.PRINT, sent_by=sent_by)


def report_mark_read(*, report: Report) -> None:
    """A parent or the pupil opened the report in the portal."""
    _require_released(report)
    Report.objects.filter(pk=report.pk).update(read_count=F("read_count") + 1)
    Report.objects.filter(pk=report.pk, first_read_at__isnull=True).update(first_read_at=timezone.now())
