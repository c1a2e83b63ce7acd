"""What a Common Transfer File carries, as frozen dataclasses: the header, each pupil with their history.
Pure module: no Django, no XML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .. import codes

UNADDRESSED = ("MMM", "MMMM")  # DestSchool of a CTF for a pupil whose next school is not known


class CtfError(ValueError):
    """The file as a whole cannot be read. ``str(exc)`` is fit to show a user."""


@dataclass(frozen=True)
class CtfSchool:
    lea: str  # LA number as written, normally 3 digits ("801"); "MMM" when unaddressed
    estab: str  # establishment number, normally 4 digits ("2000")
    urn: str | None = None
    name: str | None = None

    @property
    def code(self) -> str:
        """The DfE number as schools quote it: "LLL/EEEE"."""
        return f"{self.lea}/{self.estab}"


@dataclass(frozen=True)
class CtfHeader:
    source_school: CtfSchool | None
    dest_school: CtfSchool | None
    document_name: str = "Common Transfer File"
    ctf_version: str | None = None
    date_time: datetime | None = None


@dataclass(frozen=True)
class CtfLanguage:
    type: str  # "F" first language, "H" home language, …
    code: str  # DfE language code: "ENG", "URD", "POL", …


@dataclass(frozen=True)
class CtfFsm:
    start_date: date | None
    end_date: date | None = None  # None: still eligible when the file was written
    uk_country: str | None = None


@dataclass(frozen=True)
class CtfSen:
    start_date: date | None
    provision: str  # as recorded: N, K, E or legacy A, P, S

    @property
    def census_provision(self) -> str:
        """Today's code: N, K or E (A and P become K, S becomes E)."""
        return codes.normalise_sen_provision(self.provision)


@dataclass(frozen=True)
class CtfSenNeed:
    type: str  # as recorded: SPLD, MLD, … (legacy BESD kept as BESD)
    rank: int | None = None  # 1 = primary need
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class CtfContact:
    surname: str | None
    forename: str | None
    relationship: str | None = None  # DfE code, e.g. "PAR" parent, "CAR" carer
    responsibility: bool | None = None  # has parental responsibility
    email: str | None = None
    title: str | None = None
    order: int | None = None  # contact priority, 1 first
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class CtfStageAssessment:
    stage: str  # KeyStage/Stage: "KS1", "KS2", "EYFSP", …
    locale: str | None = None
    year: int | None = None
    subject: str | None = None
    method: str | None = None
    component: str | None = None
    result_status: str | None = None
    result: str | None = None
    result_qualifier: str | None = None
    result_date: date | None = None


@dataclass(frozen=True)
class CtfPupil:
    position: int  # 1-based position of the Pupil element in the file
    upn: str  # validated and normalised
    surname: str
    forename: str
    date_of_birth: date
    gender: str  # M or F
    former_upn: str | None = None
    preferred_surname: str | None = None
    preferred_forename: str | None = None
    middle_names: str | None = None
    year_group: int | None = None  # -2 N1, -1 N2, 0 R, 1..13 (codes.YEAR_GROUPS)
    ethnicity: str | None = None  # the main census code (codes.ETHNICITY), an extended code mapped to it
    ethnicity_extended: str | None = None  # the DfE extended code the file gave (codes.EXTENDED_ETHNICITY)
    languages: tuple[CtfLanguage, ...] = ()
    in_care: bool | None = None
    care_authority: str | None = None
    fsm_history: tuple[CtfFsm, ...] = ()
    sen_history: tuple[CtfSen, ...] = ()
    sen_needs: tuple[CtfSenNeed, ...] = ()
    contacts: tuple[CtfContact, ...] = ()
    assessments: tuple[CtfStageAssessment, ...] = ()

    @property
    def first_language(self) -> str | None:
        return next((lang.code for lang in self.languages if lang.type == "F"), None)

    @property
    def eal(self) -> bool | None:
        """English as an additional language, from the first language (None: not known)."""
        return codes.eal_from_language(self.first_language)

    @property
    def sen_provision(self) -> str | None:
        """N, K or E from the latest SEN record; None when the file has no SEN history."""
        if not self.sen_history:
            return None
        # The latest start date wins; records without a date count as oldest; ties go to file order.
        order = sorted(range(len(self.sen_history)), key=lambda i: (self.sen_history[i].start_date or date.min, i))
        return self.sen_history[order[-1]].census_provision

    @property
    def primary_need(self) -> str | None:
        """Today's code of the need ranked 1 (or the only need) that has not ended."""
        current = [need for need in self.sen_needs if need.end_date is None]
        if not current:
            return None
        need = min(current, key=lambda n: n.rank if n.rank is not None else 99)
        return codes.normalise_primary_need(need.type)

    @property
    def fsm_current(self) -> bool:
        """Eligible for free school meals when the file was written (an FSM period with no end)."""
        return any(f.start_date is not None and f.end_date is None for f in self.fsm_history)


@dataclass(frozen=True)
class CtfFile:
    header: CtfHeader
    pupils: tuple[CtfPupil, ...]
    problems: tuple[str, ...] = ()
