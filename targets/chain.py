"""The layered chain, from the number to the pupil's words: a pupil's numeric target in a subject (``PupilTarget``,
read as a grade such as "4b"), the curricular targets that serve it, and the provision serving those.

How a curricular target serves a numeric target:

* a **pupil** target names it (``CurricularTarget.serves``, chosen by the teacher on the form, pre-filled with
  the pupil's current target in the subject). A field, not a match on pupil and subject, because not every
  target in a subject is about the number (a teacher may set a reading target for confidence, not for the
  grade), and because the link must keep to the target it was agreed against when that target is replaced;
* a **group** target serves the current numeric target in its subject of each of its pupils: one target,
  many pupils' numbers, so the link is read from the group (no field to keep in step with its membership).

Class, year and school targets reach the pupil through the pupil and group targets derived from them
(``CurricularTarget.parent``), not directly.

The provision comes from the ``coverage`` hook (``<app>/coverage.py: provisions_serving``): interventions sits
above targets, so without it the chain simply stops at the curricular targets.

Callers scope the pupil (``Pupil.objects.visible_to``) before asking; nothing here shows a pupil a user may
not see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q

from schoolpl.discovery import app_modules

from . import selectors
from .models import CurricularTarget, PupilTarget

CURRENT = (PupilTarget.Status.PROPOSED, PupilTarget.Status.ACTIVE)
LEVEL_WORDS = {CurricularTarget.Level.PUPIL: "pupil target", CurricularTarget.Level.GROUP: "group target"}


@dataclass
class Link:
    """A curricular target serving a numeric target, and the provision serving it ("Wave 2: Reading catch-up")."""

    target: CurricularTarget
    provisions: list[str] = field(default_factory=list)

    @property
    def words(self) -> str:
        """What the pupil says (their own words), or the target as the teacher wrote it."""
        return self.target.pupil_words or self.target.text

    @property
    def level(self) -> str:
        return LEVEL_WORDS.get(self.target.level, self.target.get_level_display().lower())


@dataclass
class Chain:
    """One subject's chain: the numeric target (``target_grade`` set) and what serves it."""

    numeric: PupilTarget
    links: list[Link] = field(default_factory=list)

    @property
    def subject(self):
        return self.numeric.subject


def provisions_serving(school, target_ids: Iterable[int]) -> dict[int, list[str]]:
    """``{curricular_target_id: ["Wave 2: Reading catch-up", …]}`` from every installed ``coverage`` provider;
    empty when none provides it. One query a provider."""
    found: dict[int, list[str]] = defaultdict(list)
    ids = list(target_ids)
    if not ids:
        return found
    for module in app_modules("coverage"):
        provider = getattr(module, "provisions_serving", None)
        if provider is not None:
            for target_id, labels in provider(school, ids).items():
                found[target_id].extend(labels)
    return found


def _sort_key(target: CurricularTarget):
    return (target.status != CurricularTarget.Status.ACTIVE, -target.created_at.timestamp(), target.pk)


def chain_for_pupil(pupil) -> list[Chain]:
    """Per subject with a current numeric target (proposed or active), the target as a grade, the curricular
    targets serving it (the pupil's own and their groups'; replaced ones left out, active first) and the
    provision serving each. Four queries whatever the number of subjects and targets (numeric targets, the
    school's scales, curricular targets, provision)."""
    numeric = list(
        PupilTarget.objects.filter(pupil=pupil, status__in=CURRENT)
        .select_related("subject")
        .order_by("subject__order", "subject__name")
    )
    if not numeric:
        return []
    selectors.label_targets(numeric, pupil.school_id)
    chains = {t.pk: Chain(numeric=t) for t in numeric}
    by_subject = {t.subject_id: chains[t.pk] for t in numeric}
    serving = (
        CurricularTarget.objects.filter(school_id=pupil.school_id)
        .exclude(status=CurricularTarget.Status.REPLACED)
        .filter(
            Q(level=CurricularTarget.Level.PUPIL, pupil=pupil, serves_id__in=list(chains))
            | Q(level=CurricularTarget.Level.GROUP, group_pupils=pupil, subject_id__in=list(by_subject))
        )
        .distinct()
    )
    targets = sorted(serving, key=_sort_key)
    provisions = provisions_serving(pupil.school, [t.pk for t in targets])
    for target in targets:
        chain = (
            chains[target.serves_id] if target.level == CurricularTarget.Level.PUPIL else by_subject[target.subject_id]
        )
        chain.links.append(Link(target=target, provisions=provisions.get(target.pk, [])))
    return list(chains.values())


@dataclass
class Served:
    """A numeric target served by one of a provision's curricular targets (for the provision's page)."""

    numeric: PupilTarget
    via: CurricularTarget


def _group_members(targets: list[CurricularTarget]) -> dict[tuple[int, int], CurricularTarget]:
    """``{(pupil_id, subject_id): group target}`` for the group targets with a subject. One query (none if none)."""
    groups = {t.pk: t for t in targets if t.level == CurricularTarget.Level.GROUP and t.subject_id}
    if not groups:
        return {}
    through = CurricularTarget.group_pupils.through.objects.filter(curriculartarget_id__in=list(groups))
    members: dict[tuple[int, int], CurricularTarget] = {}
    for target_id, pupil_id in through.values_list("curriculartarget_id", "pupil_id"):
        members.setdefault((pupil_id, groups[target_id].subject_id), groups[target_id])
    return members


def served_by(targets: Iterable[CurricularTarget], pupils) -> list[Served]:
    """The numeric targets that ``targets`` (a provision's curricular targets) serve, for pupils in the
    ``pupils`` queryset only (the caller's ``visible_to``): a pupil target's own link, and each group pupil's
    current target in the group target's subject. Three queries (group members, numeric targets, scales)."""
    targets = list(targets)
    own = {t.serves_id: t for t in targets if t.level == CurricularTarget.Level.PUPIL and t.serves_id}
    members = _group_members(targets)
    if not own and not members:
        return []
    wanted = Q(pk__in=list(own))
    if members:
        wanted |= Q(status__in=CURRENT, pupil_id__in={p for p, _ in members}, subject_id__in={s for _, s in members})
    rows = (
        PupilTarget.objects.filter(wanted, pupil__in=pupils.values("pk"))
        .select_related("pupil", "subject")
        .order_by("pupil__legal_surname", "pupil__legal_forename", "subject__order")
    )
    found = []
    for numeric in rows:
        via = own.get(numeric.pk)
        if via is None and numeric.status in CURRENT:
            via = members.get((numeric.pupil_id, numeric.subject_id))
        if via is not None:
            found.append(Served(numeric=numeric, via=via))
    if found:
        selectors.label_targets([s.numeric for s in found], found[0].numeric.school_id)
    return found


def curricular_target_serve(*, target: CurricularTarget, numeric: PupilTarget | None) -> CurricularTarget:
    """Link a pupil's curricular target to the numeric target it serves (``None`` unlinks). The numeric target
    must be the same pupil's, in the target's subject. (A write kept beside the chain it makes:
    ``targets.services`` is at its size limit.)"""
    if numeric is not None:
        if target.level != CurricularTarget.Level.PUPIL or numeric.pupil_id != target.pupil_id:
            raise ValidationError({"serves": "Only the pupil's own target can serve their numeric target."})
        if numeric.school_id != target.school_id or numeric.subject_id != target.subject_id:
            raise ValidationError({"serves": "Choose the numeric target in the target's subject."})
    target.serves = numeric
    target.save(update_fields=["serves", "updated_at"])
    return target
