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

Pure package, no Django: ``model`` (the dataclasses), ``safe_xml`` (hardened loading), ``reading``
(:func:`parse_ctf`, :func:`check_destination`) and ``writing`` (:func:`build_ctf`). Import the public names
from here: ``from pupils.ctf import parse_ctf``.
"""

from __future__ import annotations

from .model import (
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
from .reading import check_destination, parse_ctf
from .safe_xml import MAX_CTF_BYTES
from .writing import build_ctf

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
