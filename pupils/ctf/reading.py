"""Reading a CTF: :func:`parse_ctf` (the rules are in the package docstring) and :func:`check_destination`.

Each part of a pupil (identity, basic details, FSM and SEN history, contacts, stage assessments) is read by its
own step, in file order, into one :class:`_Problems` list per pupil."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

from lxml import etree

from .. import codes
from ..upn import InvalidUPN, validate_upn
from .model import (
    UNADDRESSED,
    CtfContact,
    CtfError,
    CtfFile,
    CtfFsm,
    CtfHeader,
    CtfLanguage,
    CtfPupil,
    CtfSchool,
    CtfSen,
    CtfSenNeed,
    CtfStageAssessment,
)
from .results import SUBJECT_RESULT_COMPONENTS, read_result
from .safe_xml import child, children, load, text_of

_XS_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?")

# --------------------------------------------------------------------------- values


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


def _known(code_check, what: str):
    def convert(text: str) -> str:
        code = text.upper()
        if not code_check(code):
            raise ValueError(f"unknown {what} {text!r}")
        return code

    return convert


def _ethnicity_as_written(text: str) -> str:
    """The code as written (main or DfE extended), upper case; an unknown code is a problem."""
    code = text.strip().upper()
    if codes.main_ethnicity(code) is None:
        raise ValueError(f"unknown ethnicity code {text!r}")
    return code


def _is_need(code: str) -> bool:
    return code in dict(codes.PRIMARY_NEED + codes.LEGACY_PRIMARY_NEED)


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
        text = text_of(parent, name)
        if text is None:
            if required:
                self.add(field or name, "missing", fatal=fatal)
            return None
        try:
            return convert(text)
        except (ValueError, InvalidUPN) as exc:
            self.add(field or name, str(exc), fatal=fatal)
            return None


# --------------------------------------------------------------------------- header


def _school(element: etree._Element | None) -> CtfSchool | None:
    if element is None:
        return None
    return CtfSchool(
        lea=text_of(element, "LEA") or "",
        estab=text_of(element, "Estab") or "",
        urn=text_of(element, "URN"),
        name=text_of(element, "SchoolName"),
    )


def _header(root: etree._Element, problems: list[str]) -> CtfHeader:
    header = child(root, "Header")
    if header is None:
        raise CtfError("The file has no Header, so it is not a Common Transfer File.")
    date_time = None
    raw = text_of(header, "DateTime")
    if raw is not None:
        try:
            date_time = _parse_datetime(raw)
        except ValueError as exc:
            problems.append(f"Header: DateTime: {exc}")
    return CtfHeader(
        source_school=_school(child(header, "SourceSchool")),
        dest_school=_school(child(header, "DestSchool")),
        document_name=text_of(header, "DocumentName") or "",
        ctf_version=text_of(header, "CTFversion"),
        date_time=date_time,
    )


# --------------------------------------------------------------------------- one pupil, part by part


def _either(pupil: etree._Element, basic: etree._Element | None, name: str) -> etree._Element | None:
    found = child(pupil, name)
    return found if found is not None else child(basic, name)


def _identity(element: etree._Element, p: _Problems) -> dict:
    """UPN, names, date of birth and gender: without any of them the pupil is skipped."""
    gender_name = "Gender" if child(element, "Gender") is not None else "Sex"
    return {
        "upn": p.value(element, "UPN", validate_upn, fatal=True, required=True),
        "surname": p.value(element, "Surname", str, fatal=True, required=True),
        "forename": p.value(element, "Forename", str, fatal=True, required=True),
        "date_of_birth": p.value(element, "DOB", _parse_date, fatal=True, required=True),
        "gender": p.value(element, gender_name, codes.normalise_gender, field="Gender", fatal=True, required=True),
    }


def _languages(basic: etree._Element | None, p: _Problems) -> tuple[CtfLanguage, ...]:
    languages = []
    languages_element = child(basic, "Languages")
    for entry in [*children(languages_element, "Type"), *children(languages_element, "Language")]:
        lang_type, lang_code = text_of(entry, "LanguageType"), text_of(entry, "Language")
        if lang_type and lang_code:
            languages.append(CtfLanguage(type=lang_type.upper(), code=lang_code.upper()))
        else:
            p.add("Languages", "a language entry needs LanguageType and Language")
    return tuple(languages)


def _basic_details(basic: etree._Element | None, p: _Problems) -> dict:
    return {
        "former_upn": p.value(basic, "FormerUPN", validate_upn),
        "year_group": p.value(basic, "NCyearActual", codes.parse_year_group),
        **_ethnicity(p.value(basic, "Ethnicity", _ethnicity_as_written)),
        "languages": _languages(basic, p),
        "preferred_surname": text_of(basic, "PreferredSurname"),
        "preferred_forename": text_of(basic, "PreferredForename"),
        "middle_names": text_of(basic, "MiddleNames"),
    }


def _ethnicity(written: str | None) -> dict:
    """The main census code, and the extended code when the file gave one (BSOM → BAFR, extended BSOM)."""
    if written is None:
        return {"ethnicity": None, "ethnicity_extended": None}
    main = codes.main_ethnicity(written)
    return {"ethnicity": main, "ethnicity_extended": written if written != main else None}


def _looked_after(looked_after: etree._Element | None, p: _Problems) -> dict:
    return {
        "in_care": p.value(looked_after, "InCare", _parse_bool, field="LookedAfter/InCare"),
        "care_authority": text_of(looked_after, "CareAuthority"),
    }


def _fsm_history(history: etree._Element | None, p: _Problems) -> tuple[CtfFsm, ...]:
    fsm_history = []
    for number, instance in enumerate(children(history, "FSMinstance"), 1):
        where = f"FSMhistory/FSMinstance[{number}]"
        start = p.value(instance, "FSMstartDate", _parse_date, field=f"{where}/FSMstartDate", required=True)
        end = p.value(instance, "FSMendDate", _parse_date, field=f"{where}/FSMendDate")
        if start is None:
            continue
        if end is not None and end < start:
            p.add(where, f"ends ({end}) before it starts ({start})")
            continue
        fsm_history.append(CtfFsm(start, end, text_of(instance, "UKcountry")))
    return tuple(fsm_history)


def _sen_history(history: etree._Element | None, p: _Problems) -> tuple[tuple[CtfSen, ...], list[etree._Element]]:
    """The SEN records, and every SENneed element: under SENhistory and (some suppliers) under each SEN."""
    sen_history, need_elements = [], list(children(child(history, "SENneeds"), "SENneed"))
    for number, sen in enumerate(children(history, "SEN"), 1):
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
        need_elements.extend(children(child(sen, "SENneeds"), "SENneed"))
    return tuple(sen_history), need_elements


def _sen_needs(need_elements: list[etree._Element], p: _Problems) -> tuple[CtfSenNeed, ...]:
    sen_needs = []
    for number, need in enumerate(need_elements, 1):
        where = f"SENhistory/SENneeds/SENneed[{number}]"
        need_type = p.value(need, "SENtype", _known(_is_need, "SEN type"), field=f"{where}/SENtype", required=True)
        rank = p.value(need, "SENtypeRank", _parse_int, field=f"{where}/SENtypeRank")
        start = p.value(need, "NeedStartDate", _parse_date, field=f"{where}/NeedStartDate")
        end = p.value(need, "NeedEndDate", _parse_date, field=f"{where}/NeedEndDate")
        if need_type is not None:
            sen_needs.append(CtfSenNeed(need_type, rank, start, end))
    return tuple(sen_needs)


def _contacts(contacts: etree._Element | None, p: _Problems) -> tuple[CtfContact, ...]:
    found = []
    for number, contact in enumerate(children(contacts, "Contact"), 1):
        where = f"Contacts/Contact[{number}]"
        found.append(
            CtfContact(
                surname=text_of(contact, "Surname"),
                forename=text_of(contact, "Forename"),
                relationship=text_of(contact, "Relationship"),
                responsibility=p.value(contact, "Responsibility", _parse_bool, field=f"{where}/Responsibility"),
                email=text_of(contact, "Email"),
                title=text_of(contact, "Title"),
                order=p.value(contact, "Order", _parse_int, field=f"{where}/Order"),
                phones=tuple(
                    phone_no
                    for phone in children(child(contact, "Phones"), "Phone")
                    if (phone_no := text_of(phone, "PhoneNo"))
                ),
            )
        )
    return tuple(found)


def _assessments(stage_assessments: etree._Element | None, p: _Problems) -> tuple[CtfStageAssessment, ...]:
    assessments = []
    for key_stage in children(stage_assessments, "KeyStage"):
        stage = text_of(key_stage, "Stage")
        for number, result in enumerate(children(key_stage, "StageAssessment"), 1):
            where = f"StageAssessments/KeyStage[{stage}]/StageAssessment[{number}]"
            if stage is None:
                p.add(where, "the KeyStage has no Stage; its results are left out")
                break
            assessment = CtfStageAssessment(
                stage=stage,
                locale=text_of(result, "Locale"),
                year=p.value(result, "Year", _parse_int, field=f"{where}/Year"),
                subject=text_of(result, "Subject"),
                method=text_of(result, "Method"),
                component=text_of(result, "Component"),
                result_status=text_of(result, "ResultStatus"),
                result=text_of(result, "Result"),
                result_qualifier=text_of(result, "ResultQualifier"),
                result_date=p.value(result, "ResultDate", _parse_date, field=f"{where}/ResultDate"),
            )
            _check_result(assessment, f"{where}/Result", p)
            assessments.append(assessment)
    return tuple(assessments)


def _check_result(assessment: CtfStageAssessment, field: str, p: _Problems) -> None:
    """A KS1/KS2 subject result that is no known code, status or level, or a scaled score out of range, is a
    problem (the result is kept as written; it gets no points)."""
    if assessment.result is None or (assessment.component or "").upper() not in SUBJECT_RESULT_COMPONENTS:
        return
    reading = read_result(
        assessment.stage,
        assessment.result,
        subject=assessment.subject or "",
        method=assessment.method or "",
        year=assessment.year,
    )
    if reading.kind == "problem":
        p.add(field, f"{reading.message}; kept without points")


def _pupil(element: etree._Element, position: int) -> tuple[CtfPupil | None, _Problems]:
    """One Pupil element, read part by part in file order; None when a problem means the pupil is skipped."""
    p = _Problems()
    identity = _identity(element, p)
    basic = child(element, "BasicDetails")
    details = _basic_details(basic, p)
    looked_after = _looked_after(_either(element, basic, "LookedAfter"), p)
    fsm_history = _fsm_history(_either(element, basic, "FSMhistory"), p)
    sen_history, need_elements = _sen_history(_either(element, basic, "SENhistory"), p)
    sen_needs = _sen_needs(need_elements, p)
    contacts = _contacts(child(element, "Contacts"), p)
    assessments = _assessments(child(element, "StageAssessments"), p)
    if p.fatal:
        return None, p
    pupil = CtfPupil(
        position=position,
        **identity,
        **details,
        **looked_after,
        fsm_history=fsm_history,
        sen_history=sen_history,
        sen_needs=sen_needs,
        contacts=contacts,
        assessments=assessments,
    )
    return pupil, p


# --------------------------------------------------------------------------- the file


def _who(element: etree._Element, position: int) -> str:
    surname, forename = text_of(element, "Surname"), text_of(element, "Forename")
    name = ", ".join(part for part in (surname and surname.upper(), forename) if part) or "no name"
    return f"Pupil {position} ({name})"


def _without_duplicate_upns(parsed: list[tuple], problems: list[str]) -> list[CtfPupil]:
    """The pupils read, less those whose UPN is also another pupil's in the file (each listed as a problem)."""
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
    return pupils


def parse_ctf(data: bytes) -> CtfFile:
    """Read a CTF. Raises :class:`CtfError` for a file that cannot be read at all; problems with
    single pupils are listed in ``CtfFile.problems`` (see the package docstring for the rules)."""
    root = load(data)
    if root.tag != "CTfile":
        raise CtfError(f"This is not a Common Transfer File: it starts with <{root.tag}>, not <CTfile>.")
    problems: list[str] = []
    header = _header(root, problems)
    parsed: list[tuple[etree._Element, int, CtfPupil | None]] = []
    for position, element in enumerate(children(child(root, "CTFpupilData"), "Pupil"), start=1):
        pupil, pupil_problems = _pupil(element, position)
        who = _who(element, position)
        for field, message, fatal in pupil_problems.items:
            problems.append(f"{who}: {field}: {message}{' (pupil skipped)' if fatal else ''}")
        parsed.append((element, position, pupil))
    pupils = _without_duplicate_upns(parsed, problems)
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
