"""Writing a CTF: :func:`build_ctf`, which :func:`~pupils.ctf.parse_ctf` reads back to the same header and
pupils. Each part of a pupil is written by its own step, in the order of the DfE schema."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from lxml import etree

from .. import codes
from .model import CtfError, CtfHeader, CtfPupil, CtfSchool


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


def _write_basic_details(element: etree._Element, pupil: CtfPupil) -> None:
    basic = etree.SubElement(element, "BasicDetails")
    _add(basic, "FormerUPN", pupil.former_upn)
    _add(basic, "PreferredSurname", pupil.preferred_surname)
    _add(basic, "PreferredForename", pupil.preferred_forename)
    _add(basic, "MiddleNames", pupil.middle_names)
    if pupil.year_group is not None:
        _add(basic, "NCyearActual", codes.year_group_code(pupil.year_group))
    _add(basic, "Ethnicity", pupil.ethnicity_extended or pupil.ethnicity)
    if pupil.languages:
        languages = etree.SubElement(basic, "Languages")
        for language in pupil.languages:
            entry = etree.SubElement(languages, "Type")
            _add(entry, "LanguageType", language.type)
            _add(entry, "Language", language.code)


def _write_looked_after(element: etree._Element, pupil: CtfPupil) -> None:
    if pupil.in_care is not None or pupil.care_authority is not None:
        looked_after = etree.SubElement(element, "LookedAfter")
        _add(looked_after, "InCare", pupil.in_care)
        _add(looked_after, "CareAuthority", pupil.care_authority)


def _write_sen(element: etree._Element, pupil: CtfPupil) -> None:
    if not (pupil.sen_history or pupil.sen_needs):
        return
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


def _write_contacts(element: etree._Element, pupil: CtfPupil) -> None:
    if not pupil.contacts:
        return
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


def _write_assessments(element: etree._Element, pupil: CtfPupil) -> None:
    """The results, those of one stage grouped under one KeyStage."""
    if not pupil.assessments:
        return
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


def _write_fsm(element: etree._Element, pupil: CtfPupil) -> None:
    if not pupil.fsm_history:
        return
    history = etree.SubElement(element, "FSMhistory")
    for fsm in pupil.fsm_history:
        instance = etree.SubElement(history, "FSMinstance")
        _add(instance, "FSMstartDate", fsm.start_date)
        _add(instance, "FSMendDate", fsm.end_date)
        _add(instance, "UKcountry", fsm.uk_country)


def _write_pupil(parent: etree._Element, pupil: CtfPupil) -> None:
    element = etree.SubElement(parent, "Pupil")
    _add(element, "UPN", pupil.upn)
    _add(element, "Surname", pupil.surname)
    _add(element, "Forename", pupil.forename)
    _add(element, "DOB", pupil.date_of_birth)
    _add(element, "Gender", pupil.gender)
    _write_basic_details(element, pupil)
    _write_looked_after(element, pupil)
    _write_sen(element, pupil)
    _write_contacts(element, pupil)
    _write_assessments(element, pupil)
    _write_fsm(element, pupil)


def build_ctf(header: CtfHeader, pupils: Iterable[CtfPupil]) -> bytes:
    """Write a CTF (UTF-8 XML) that :func:`~pupils.ctf.parse_ctf` reads back to the same header and pupils
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
