"""Read and write the DfE Common Transfer File (CTF, XML).

Structure read (element names as in the DfE schema; a default namespace, if any, is ignored)::

    CTfile
      Header: DocumentName, CTFversion, DateTime,
              SourceSchool / DestSchool: LEA, Estab, URN, SchoolName
      CTFpupilData
        Pupil: UPN, Surname, Forename, DOB, Gender (or Sex)
          BasicDetails: FormerUPN, PreferredSurname, PreferredForename, MiddleNames, NCyearActual,
                        Ethnicity, Languages/Type (LanguageType, Language)
          LookedAfter: InCare, CareAuthority
          SENhistory: SEN (StartDate, SENprovision)*,
                      SENneeds/SENneed (SENtype, SENtypeRank, NeedStartDate, NeedEndDate)*
          Contacts/Contact: Order, Title, Surname, Forename, Relationship, Responsibility, Email,
                            Phones/Phone/PhoneNo
          StageAssessments/KeyStage: Stage, StageAssessment (Locale, Year, Subject, Method,
                            Component, ResultStatus, ResultQualifier, Result, ResultDate)*
          FSMhistory/FSMinstance: FSMstartDate, FSMendDate, UKcountry

LookedAfter, SENhistory and FSMhistory are also found inside BasicDetails, and SENneeds inside SEN,
in some suppliers' files: both places are read.

Contract of :func:`parse_ctf`:

* The whole file is refused (:class:`CtfError`) when it is not well-formed XML (the message gives
  the line), has a DOCTYPE or entity declarations, is too big, or is not a CTF (root / Header).
* A pupil is *skipped* - left out of ``CtfFile.pupils`` - when its UPN, Surname, Forename, DOB or
  Gender is missing or invalid, or when its UPN appears on more than one pupil in the file.
* A bad optional value (an unknown ethnicity code, an unreadable date in the FSM history, …) is
  dropped (None, or the entry is left out) and the pupil kept.
* Either way every problem is a line in ``CtfFile.problems``:
  ``"Pupil 3 (SMITH, Amy): UPN: … check letter should be K (pupil skipped)"``.

Pure module: no Django.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from . import codes
from .upn import InvalidUPN, validate_upn

__all__ = [
    "MAX_CTF_BYTES",
    "CtfContact",
    "CtfError",
    "CtfFile",
    "CtfFsm",
    "CtfHeader",
    "CtfLanguage",
    "CtfPupil",
    "CtfSchool",
    "CtfSen",
    "CtfSenNeed",
    "CtfStageAssessment",
    "build_ctf",
    "check_destination",
    "parse_ctf",
]

MAX_CTF_BYTES = 100 * 1024 * 1024  # a whole secondary school with full history is a few tens of MB
UNADDRESSED = ("MMM", "MMMM")  # DestSchool of a CTF for a pupil whose next school is not known


class CtfError(ValueError):
    """The file as a whole cannot be read. ``str(exc)`` is fit to show a user."""


# --------------------------------------------------------------------------- data


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
    ethnicity: str | None = None  # codes.ETHNICITY
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


# --------------------------------------------------------------------------- reading

_DOCTYPE_OR_ENTITY = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XS_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?")


def _parser() -> etree.XMLParser:
    # Never fetch, never expand: a CTF comes from outside the school.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
        # Not collect_ids=False: with it libxml2 reads an external DTD subset (file:///…) despite
        # load_dtd=False.
    )


def _load(data: bytes) -> etree._Element:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("parse_ctf takes the file's bytes")
    data = bytes(data)
    if not data.strip():
        raise CtfError("The file is empty.")
    if len(data) > MAX_CTF_BYTES:
        raise CtfError(f"The file is too big to be a CTF ({len(data) // (1024 * 1024)} MB).")
    if _DOCTYPE_OR_ENTITY.search(data):
        raise CtfError("The file contains a DOCTYPE or entity declaration, which a CTF never has; refused.")
    try:
        root = etree.fromstring(data, parser=_parser())  # noqa: S320 - hardened parser above
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, 0)
        message = re.sub(r",? line \d+, column \d+$", "", str(exc.msg or "").strip())  # we add our own
        raise CtfError(f"The file is not well-formed XML: {message} (line {line}, column {column}).") from exc
    tree = root.getroottree()
    # Second guard, for encodings the byte scan above cannot read (UTF-16 and the like).
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise CtfError("The file contains a DOCTYPE or entity declaration, which a CTF never has; refused.")
    for element in root.iter():
        if isinstance(element, etree._Entity):
            raise CtfError("The file contains an entity reference, which a CTF never has; refused.")
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = etree.QName(element).localname
    return root


def _child(parent: etree._Element | None, name: str) -> etree._Element | None:
    if parent is None:
        return None
    return next((c for c in parent if c.tag == name), None)


def _children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    if parent is None:
        return []
    return [c for c in parent if c.tag == name]


def _text(parent: etree._Element | None, name: str) -> str | None:
    element = _child(parent, name)
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _parse_date(text: str) -> date:
    match = _XS_DATE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None


def _parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time (expected YYYY-MM-DDThh:mm:ss)") from None


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(f"{text!r} is not true or false")


def _parse_int(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise ValueError(f"{text!r} is not a whole number")
    return int(text)


class _Problems:
    """Collects one pupil's problems; ``fatal`` ones mean the pupil is skipped."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, bool]] = []

    def add(self, field: str, message: str, *, fatal: bool = False) -> None:
        self.items.append((field, message, fatal))

    @property
    def fatal(self) -> bool:
        return any(fatal for _, _, fatal in self.items)

    def value(self, parent, name, convert, *, field=None, fatal=False, required=False):
        """The converted text of child ``name``; None (and a problem) when it is bad or missing."""
        text = _text(parent, name)
        if text is None:
            if required:
                self.add(field or name, "missing", fatal=fatal)
            return None
        try:
            return convert(text)
        except (ValueError, InvalidUPN) as exc:
            self.add(field or name, str(exc), fatal=fatal)
            return None


def _school(element: etree._Element | None) -> CtfSchool | None:
    if element is None:
        return None
    return CtfSchool(
        lea=_text(element, "LEA") or "",
        estab=_text(element, "Estab") or "",
        urn=_text(element, "URN"),
        name=_text(element, "SchoolName"),
    )


def _header(root: etree._Element, problems: list[str]) -> CtfHeader:
    header = _child(root, "Header")
    if header is None:
        raise CtfError("The file has no Header, so it is not a Common Transfer File.")
    date_time = None
    raw = _text(header, "DateTime")
    if raw is not None:
        try:
            date_time = _parse_datetime(raw)
        except ValueError as exc:
            problems.append(f"Header: DateTime: {exc}")
    return CtfHeader(
        source_school=_school(_child(header, "SourceSchool")),
        dest_school=_school(_child(header, "DestSchool")),
        document_name=_text(header, "DocumentName") or "",
        ctf_version=_text(header, "CTFversion"),
        date_time=date_time,
    )


def _known(code_check, what: str):
    def convert(text: str) -> str:
        code = text.upper()
        if not code_check(code):
            raise ValueError(f"unknown {what} {text!r}")
        return code

    return convert


def _is_ethnicity(code: str) -> bool:
    return code in dict(codes.ETHNICITY)


def _is_need(code: str) -> bool:
    return code in dict(codes.PRIMARY_NEED + codes.LEGACY_PRIMARY_NEED)


def _either(pupil: etree._Element, basic: etree._Element | None, name: str) -> etree._Element | None:
    found = _child(pupil, name)
    return found if found is not None else _child(basic, name)


def _pupil(element: etree._Element, position: int) -> tuple[CtfPupil | None, _Problems]:
    p = _Problems()
    upn = p.value(element, "UPN", validate_upn, fatal=True, required=True)
    surname = p.value(element, "Surname", str, fatal=True, required=True)
    forename = p.value(element, "Forename", str, fatal=True, required=True)
    dob = p.value(element, "DOB", _parse_date, fatal=True, required=True)
    gender_name = "Gender" if _child(element, "Gender") is not None else "Sex"
    gender = p.value(element, gender_name, codes.normalise_gender, field="Gender", fatal=True, required=True)

    basic = _child(element, "BasicDetails")
    former_upn = p.value(basic, "FormerUPN", validate_upn)
    year_group = p.value(basic, "NCyearActual", codes.parse_year_group)
    ethnicity = p.value(basic, "Ethnicity", _known(_is_ethnicity, "ethnicity code"))

    languages = []
    languages_element = _child(basic, "Languages")
    for entry in [*_children(languages_element, "Type"), *_children(languages_element, "Language")]:
        lang_type, lang_code = _text(entry, "LanguageType"), _text(entry, "Language")
        if lang_type and lang_code:
            languages.append(CtfLanguage(type=lang_type.upper(), code=lang_code.upper()))
        else:
            p.add("Languages", "a language entry needs LanguageType and Language")

    looked_after = _either(element, basic, "LookedAfter")
    in_care = p.value(looked_after, "InCare", _parse_bool, field="LookedAfter/InCare")
    care_authority = _text(looked_after, "CareAuthority")

    fsm_history = []
    for number, instance in enumerate(_children(_either(element, basic, "FSMhistory"), "FSMinstance"), 1):
        where = f"FSMhistory/FSMinstance[{number}]"
        start = p.value(instance, "FSMstartDate", _parse_date, field=f"{where}/FSMstartDate", required=True)
        end = p.value(instance, "FSMendDate", _parse_date, field=f"{where}/FSMendDate")
        if start is None:
            continue
        if end is not None and end < start:
            p.add(where, f"ends ({end}) before it starts ({start})")
            continue
        fsm_history.append(CtfFsm(start, end, _text(instance, "UKcountry")))

    sen_history_element = _either(element, basic, "SENhistory")
    sen_history, need_elements = [], list(_children(_child(sen_history_element, "SENneeds"), "SENneed"))
    for number, sen in enumerate(_children(sen_history_element, "SEN"), 1):
        where = f"SENhistory/SEN[{number}]"
        start = p.value(sen, "StartDate", _parse_date, field=f"{where}/StartDate")
        provision = p.value(
            sen,
            "SENprovision",
            _known(codes.is_sen_provision_code, "SEN provision"),
            field=f"{where}/SENprovision",
            required=True,
        )
        if provision is not None:
            sen_history.append(CtfSen(start, provision))
        need_elements.extend(_children(_child(sen, "SENneeds"), "SENneed"))
    sen_needs = []
    for number, need in enumerate(need_elements, 1):
        where = f"SENhistory/SENneeds/SENneed[{number}]"
        need_type = p.value(need, "SENtype", _known(_is_need, "SEN type"), field=f"{where}/SENtype", required=True)
        rank = p.value(need, "SENtypeRank", _parse_int, field=f"{where}/SENtypeRank")
        start = p.value(need, "NeedStartDate", _parse_date, field=f"{where}/NeedStartDate")
        end = p.value(need, "NeedEndDate", _parse_date, field=f"{where}/NeedEndDate")
        if need_type is not None:
            sen_needs.append(CtfSenNeed(need_type, rank, start, end))

    contacts = []
    for number, contact in enumerate(_children(_child(element, "Contacts"), "Contact"), 1):
        where = f"Contacts/Contact[{number}]"
        contacts.append(
            CtfContact(
                surname=_text(contact, "Surname"),
                forename=_text(contact, "Forename"),
                relationship=_text(contact, "Relationship"),
                responsibility=p.value(contact, "Responsibility", _parse_bool, field=f"{where}/Responsibility"),
                email=_text(contact, "Email"),
                title=_text(contact, "Title"),
                order=p.value(contact, "Order", _parse_int, field=f"{where}/Order"),
                phones=tuple(
                    phone_no
                    for phone in _children(_child(contact, "Phones"), "Phone")
                    if (phone_no := _text(phone, "PhoneNo"))
                ),
            )
        )

    assessments = []
    for key_stage in _children(_child(element, "StageAssessments"), "KeyStage"):
        stage = _text(key_stage, "Stage")
        for number, result in enumerate(_children(key_stage, "StageAssessment"), 1):
            where = f"StageAssessments/KeyStage[{stage}]/StageAssessment[{number}]"
            if stage is None:
                p.add(where, "the KeyStage has no Stage; its results are left out")
                break
            assessments.append(
                CtfStageAssessment(
                    stage=stage,
                    locale=_text(result, "Locale"),
                    year=p.value(result, "Year", _parse_int, field=f"{where}/Year"),
                    subject=_text(result, "Subject"),
                    method=_text(result, "Method"),
                    component=_text(result, "Component"),
                    result_status=_text(result, "ResultStatus"),
                    result=_text(result, "Result"),
                    result_qualifier=_text(result, "ResultQualifier"),
                    result_date=p.value(result, "ResultDate", _parse_date, field=f"{where}/ResultDate"),
                )
            )

    if p.fatal:
        return None, p
    pupil = CtfPupil(
        position=position,
        upn=upn,
        surname=surname,
        forename=forename,
        date_of_birth=dob,
        gender=gender,
        former_upn=former_upn,
        preferred_surname=_text(basic, "PreferredSurname"),
        preferred_forename=_text(basic, "PreferredForename"),
        middle_names=_text(basic, "MiddleNames"),
        year_group=year_group,
        ethnicity=ethnicity,
        languages=tuple(languages),
        in_care=in_care,
        care_authority=care_authority,
        fsm_history=tuple(fsm_history),
        sen_history=tuple(sen_history),
        sen_needs=tuple(sen_needs),
        contacts=tuple(contacts),
        assessments=tuple(assessments),
    )
    return pupil, p


def _who(element: etree._Element, position: int) -> str:
    surname, forename = _text(element, "Surname"), _text(element, "Forename")
    name = ", ".join(part for part in (surname and surname.upper(), forename) if part) or "no name"
    return f"Pupil {position} ({name})"


def parse_ctf(data: bytes) -> CtfFile:
    """Read a CTF. Raises :class:`CtfError` for a file that cannot be read at all; problems with
    single pupils are listed in ``CtfFile.problems`` (see the module docstring for the rules)."""
    root = _load(data)
    if root.tag != "CTfile":
        raise CtfError(f"This is not a Common Transfer File: it starts with <{root.tag}>, not <CTfile>.")
    problems: list[str] = []
    header = _header(root, problems)
    parsed: list[tuple[etree._Element, int, CtfPupil | None]] = []
    for position, element in enumerate(_children(_child(root, "CTFpupilData"), "Pupil"), start=1):
        pupil, pupil_problems = _pupil(element, position)
        who = _who(element, position)
        for field, message, fatal in pupil_problems.items:
            problems.append(f"{who}: {field}: {message}{' (pupil skipped)' if fatal else ''}")
        parsed.append((element, position, pupil))

    counts = Counter(pupil.upn for _, _, pupil in parsed if pupil is not None)
    pupils = []
    for element, position, pupil in parsed:
        if pupil is None:
            continue
        if counts[pupil.upn] > 1:
            others = [str(p.position) for _, _, p in parsed if p and p.upn == pupil.upn and p is not pupil]
            problems.append(
                f"{_who(element, position)}: UPN: {pupil.upn} is also the UPN of pupil "
                f"{', '.join(others)} (pupil skipped)"
            )
            continue
        pupils.append(pupil)
    return CtfFile(header=header, pupils=tuple(pupils), problems=tuple(problems))


def _school_number(value: object, width: int) -> str:
    text = str(value).strip().upper()
    return text.zfill(width) if text.isdigit() else text


def check_destination(ctf: CtfFile, la: str | int, estab: str | int, *, allow_unaddressed: bool = False) -> None:
    """Raise :class:`CtfError` unless the file is addressed to school ``la``/``estab``.

    ``allow_unaddressed`` also accepts a file sent to MMM/MMMM (no known next school), which a
    school may fetch from the DfE's "lost pupils" database.
    """
    dest = ctf.header.dest_school
    if dest is None or not (dest.lea and dest.estab):
        raise CtfError("The file does not say which school it is for (no DestSchool LEA and Estab).")
    wanted = (_school_number(la, 3), _school_number(estab, 4))
    actual = (_school_number(dest.lea, 3), _school_number(dest.estab, 4))
    if actual == wanted or (allow_unaddressed and actual == UNADDRESSED):
        return
    raise CtfError(f"This file is for school {actual[0]}/{actual[1]}, not this school.")


# --------------------------------------------------------------------------- writing


def _add(parent: etree._Element, tag: str, value: object) -> etree._Element | None:
    if value is None:
        return None
    element = etree.SubElement(parent, tag)
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, (date, datetime)):
        element.text = value.isoformat()
    else:
        element.text = str(value)
    return element


def _write_school(parent: etree._Element, tag: str, school: CtfSchool | None) -> None:
    if school is None:
        return
    element = etree.SubElement(parent, tag)
    _add(element, "LEA", school.lea)
    _add(element, "Estab", school.estab)
    _add(element, "URN", school.urn)
    _add(element, "SchoolName", school.name)


def _write_pupil(parent: etree._Element, pupil: CtfPupil) -> None:
    element = etree.SubElement(parent, "Pupil")
    _add(element, "UPN", pupil.upn)
    _add(element, "Surname", pupil.surname)
    _add(element, "Forename", pupil.forename)
    _add(element, "DOB", pupil.date_of_birth)
    _add(element, "Gender", pupil.gender)

    basic = etree.SubElement(element, "BasicDetails")
    _add(basic, "FormerUPN", pupil.former_upn)
    _add(basic, "PreferredSurname", pupil.preferred_surname)
    _add(basic, "PreferredForename", pupil.preferred_forename)
    _add(basic, "MiddleNames", pupil.middle_names)
    if pupil.year_group is not None:
        _add(basic, "NCyearActual", codes.year_group_code(pupil.year_group))
    _add(basic, "Ethnicity", pupil.ethnicity)
    if pupil.languages:
        languages = etree.SubElement(basic, "Languages")
        for language in pupil.languages:
            entry = etree.SubElement(languages, "Type")
            _add(entry, "LanguageType", language.type)
            _add(entry, "Language", language.code)

    if pupil.in_care is not None or pupil.care_authority is not None:
        looked_after = etree.SubElement(element, "LookedAfter")
        _add(looked_after, "InCare", pupil.in_care)
        _add(looked_after, "CareAuthority", pupil.care_authority)

    if pupil.sen_history or pupil.sen_needs:
        history = etree.SubElement(element, "SENhistory")
        for sen in pupil.sen_history:
            record = etree.SubElement(history, "SEN")
            _add(record, "StartDate", sen.start_date)
            _add(record, "SENprovision", sen.provision)
        if pupil.sen_needs:
            needs = etree.SubElement(history, "SENneeds")
            for need in pupil.sen_needs:
                entry = etree.SubElement(needs, "SENneed")
                _add(entry, "NeedStartDate", need.start_date)
                _add(entry, "NeedEndDate", need.end_date)
                _add(entry, "SENtypeRank", need.rank)
                _add(entry, "SENtype", need.type)

    if pupil.contacts:
        contacts = etree.SubElement(element, "Contacts")
        for contact in pupil.contacts:
            entry = etree.SubElement(contacts, "Contact")
            _add(entry, "Order", contact.order)
            _add(entry, "Title", contact.title)
            _add(entry, "Surname", contact.surname)
            _add(entry, "Forename", contact.forename)
            _add(entry, "Relationship", contact.relationship)
            _add(entry, "Responsibility", contact.responsibility)
            if contact.phones:
                phones = etree.SubElement(entry, "Phones")
                for number in contact.phones:
                    _add(etree.SubElement(phones, "Phone"), "PhoneNo", number)
            _add(entry, "Email", contact.email)

    if pupil.assessments:
        stage_assessments = etree.SubElement(element, "StageAssessments")
        key_stages: dict[str, etree._Element] = {}
        for result in pupil.assessments:
            if result.stage not in key_stages:
                key_stages[result.stage] = etree.SubElement(stage_assessments, "KeyStage")
                _add(key_stages[result.stage], "Stage", result.stage)
            entry = etree.SubElement(key_stages[result.stage], "StageAssessment")
            _add(entry, "Locale", result.locale)
            _add(entry, "Year", result.year)
            _add(entry, "Subject", result.subject)
            _add(entry, "Method", result.method)
            _add(entry, "Component", result.component)
            _add(entry, "ResultStatus", result.result_status)
            _add(entry, "ResultQualifier", result.result_qualifier)
            _add(entry, "Result", result.result)
            _add(entry, "ResultDate", result.result_date)

    if pupil.fsm_history:
        history = etree.SubElement(element, "FSMhistory")
        for fsm in pupil.fsm_history:
            instance = etree.SubElement(history, "FSMinstance")
            _add(instance, "FSMstartDate", fsm.start_date)
            _add(instance, "FSMendDate", fsm.end_date)
            _add(instance, "UKcountry", fsm.uk_country)


def build_ctf(header: CtfHeader, pupils: Iterable[CtfPupil]) -> bytes:
    """Write a CTF (UTF-8 XML) that :func:`parse_ctf` reads back to the same header and pupils
    (``position`` is renumbered by order). Results of one stage are grouped under one KeyStage."""
    root = etree.Element("CTfile")
    head = etree.SubElement(root, "Header")
    _add(head, "DocumentName", header.document_name)
    _add(head, "CTFversion", header.ctf_version)
    _add(head, "DateTime", header.date_time.isoformat(timespec="seconds") if header.date_time else None)
    _write_school(head, "SourceSchool", header.source_school)
    _write_school(head, "DestSchool", header.dest_school)
    pupil_data = etree.SubElement(root, "CTFpupilData")
    try:
        for pupil in pupils:
            _write_pupil(pupil_data, pupil)
    except ValueError as exc:  # lxml refuses text that XML cannot hold (control characters)
        raise CtfError(f"Cannot write the CTF: {exc}") from exc
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
