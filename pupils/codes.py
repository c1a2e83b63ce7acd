"""DfE school census code lists and the parsers that turn what a file says into a census code.

Each list is a tuple of ``(code, label)`` pairs, ready for a model field's ``choices``. The parsers
(``normalise_*`` / ``parse_year_group``) accept a code or its label, in any case and with stray
spaces or punctuation, and return the canonical code; anything else raises ``ValueError`` with a
message fit to show a user. Blank values are the caller's business: the parsers reject them.

Pure module: no Django.
"""

from __future__ import annotations

import re

__all__ = [
    "ETHNICITY",
    "EXTENDED_ETHNICITY",
    "GENDER",
    "LEGACY_PRIMARY_NEED",
    "LEGACY_SEN_PROVISION",
    "PRIMARY_NEED",
    "SEN_PROVISION",
    "YEAR_GROUPS",
    "Choices",
    "eal_from_language",
    "is_sen_provision_code",
    "label_for",
    "main_ethnicity",
    "normalise_ethnicity",
    "normalise_gender",
    "normalise_primary_need",
    "normalise_sen_provision",
    "parse_year_group",
    "year_group_code",
    "year_group_label",
]

Choices = tuple[tuple[str, str], ...]

SEN_PROVISION: Choices = (
    ("N", "No special educational need"),
    ("K", "SEN support"),
    ("E", "Education, health and care plan"),
)
# Before September 2014; still found in SEN history (CTF) and old exports.
LEGACY_SEN_PROVISION: Choices = (
    ("A", "School Action"),
    ("P", "School Action Plus"),
    ("S", "Statement of special educational needs"),
)
_LEGACY_SEN_PROVISION_MAP = {"A": "K", "P": "K", "S": "E"}
_SEN_PROVISION_ALIASES = {
    "none": "N",
    "nosen": "N",
    "notsen": "N",
    "senk": "K",
    "ehcp": "E",
    "ehcplan": "E",
    "ehc": "E",
    "statement": "S",
    "statemented": "S",
    "sa": "A",
    "sap": "P",
    "schoolactionplus": "P",
}

PRIMARY_NEED: Choices = (
    ("SPLD", "Specific learning difficulty"),
    ("MLD", "Moderate learning difficulty"),
    ("SLD", "Severe learning difficulty"),
    ("PMLD", "Profound and multiple learning difficulty"),
    ("SLCN", "Speech, language and communication needs"),
    ("HI", "Hearing impairment"),
    ("VI", "Vision impairment"),
    ("MSI", "Multi-sensory impairment"),
    ("PD", "Physical disability"),
    ("ASD", "Autistic spectrum disorder"),
    ("SEMH", "Social, emotional and mental health"),
    ("OTH", "Other difficulty or disability"),
    ("NSA", "SEN support but no specialist assessment of type of need"),
)
# Replaced by SEMH in 2014; found in older SEN history.
LEGACY_PRIMARY_NEED: Choices = (("BESD", "Behaviour, emotional and social difficulties"),)
_LEGACY_PRIMARY_NEED_MAP = {"BESD": "SEMH"}

ETHNICITY: Choices = (
    ("WBRI", "White - British"),
    ("WIRI", "White - Irish"),
    ("WIRT", "Traveller of Irish heritage"),
    ("WROM", "Gypsy / Roma"),
    ("WOTH", "Any other White background"),
    ("MWBC", "White and Black Caribbean"),
    ("MWBA", "White and Black African"),
    ("MWAS", "White and Asian"),
    ("MOTH", "Any other mixed background"),
    ("AIND", "Indian"),
    ("APKN", "Pakistani"),
    ("ABAN", "Bangladeshi"),
    ("AOTH", "Any other Asian background"),
    ("BCRB", "Black Caribbean"),
    ("BAFR", "Black - African"),
    ("BOTH", "Any other Black background"),
    ("CHNE", "Chinese"),
    ("OOTH", "Any other ethnic group"),
    ("REFU", "Refused"),
    ("NOBT", "Information not yet obtained"),
)

# The DfE's extended ethnic categories (school census / CTF): each extended code with its label and the
# main census code it rolls up to. A school may record the extended code; the census, and this product,
# count the main one. The main codes WIRI, WIRT, MWBC, MWBA, AIND, ABAN, BCRB, BOTH, REFU and NOBT have
# no extended codes.
EXTENDED_ETHNICITY: tuple[tuple[str, str, str], ...] = (
    # White British (WBRI)
    ("WCOR", "White - Cornish", "WBRI"),
    ("WENG", "White - English", "WBRI"),
    ("WSCO", "White - Scottish", "WBRI"),
    ("WWEL", "White - Welsh", "WBRI"),
    ("WOWB", "Other White British", "WBRI"),
    # Any other White background (WOTH)
    ("WALB", "Albanian", "WOTH"),
    ("WBOS", "Bosnian-Herzegovinian", "WOTH"),
    ("WCRO", "Croatian", "WOTH"),
    ("WGRE", "Greek/Greek Cypriot", "WOTH"),
    ("WGRK", "Greek", "WOTH"),
    ("WGRC", "Greek Cypriot", "WOTH"),
    ("WITA", "Italian", "WOTH"),
    ("WKOS", "Kosovan", "WOTH"),
    ("WPOR", "Portuguese", "WOTH"),
    ("WSER", "Serbian", "WOTH"),
    ("WTUR", "Turkish/Turkish Cypriot", "WOTH"),
    ("WTUK", "Turkish", "WOTH"),
    ("WTUC", "Turkish Cypriot", "WOTH"),
    ("WEUR", "White European", "WOTH"),
    ("WEEU", "White Eastern European", "WOTH"),
    ("WWEU", "White Western European", "WOTH"),
    ("WOTW", "White other", "WOTH"),
    # Gypsy / Roma (WROM)
    ("WROG", "Gypsy", "WROM"),
    ("WROR", "Roma", "WROM"),
    ("WROO", "Other Gypsy/Roma", "WROM"),
    # White and Asian (MWAS)
    ("MWAP", "White and Pakistani", "MWAS"),
    ("MWAI", "White and Indian", "MWAS"),
    ("MWAO", "White and any other Asian background", "MWAS"),
    # Any other mixed background (MOTH)
    ("MAOE", "Asian and any other ethnic group", "MOTH"),
    ("MABL", "Asian and Black", "MOTH"),
    ("MACH", "Asian and Chinese", "MOTH"),
    ("MBOE", "Black and any other ethnic group", "MOTH"),
    ("MBCH", "Black and Chinese", "MOTH"),
    ("MCOE", "Chinese and any other ethnic group", "MOTH"),
    ("MWOE", "White and any other ethnic group", "MOTH"),
    ("MWCH", "White and Chinese", "MOTH"),
    ("MOTM", "Other mixed background", "MOTH"),
    # Pakistani (APKN)
    ("AKPA", "Kashmiri Pakistani", "APKN"),
    ("AMPK", "Mirpuri Pakistani", "APKN"),
    ("AOPK", "Other Pakistani", "APKN"),
    # Any other Asian background (AOTH)
    ("AAFG", "Afghan", "AOTH"),
    ("ANEP", "Nepali", "AOTH"),
    ("ASLT", "Sri Lankan Tamil", "AOTH"),
    ("ASNL", "Sri Lankan Sinhalese", "AOTH"),
    ("ASRO", "Sri Lankan other", "AOTH"),
    ("AOTA", "Other Asian", "AOTH"),
    # Black African (BAFR)
    ("BANN", "Angolan", "BAFR"),
    ("BCON", "Congolese", "BAFR"),
    ("BGHA", "Ghanaian", "BAFR"),
    ("BNGN", "Nigerian", "BAFR"),
    ("BSLN", "Sierra Leonean", "BAFR"),
    ("BSOM", "Somali", "BAFR"),
    ("BSUD", "Sudanese", "BAFR"),
    ("BAOF", "Other Black African", "BAFR"),
    # Chinese (CHNE)
    ("CHKC", "Hong Kong Chinese", "CHNE"),
    ("CMAL", "Malaysian Chinese", "CHNE"),
    ("CSNG", "Singaporean Chinese", "CHNE"),
    ("CTWN", "Taiwanese", "CHNE"),
    ("COCH", "Other Chinese", "CHNE"),
    # Any other ethnic group (OOTH)
    ("OAFG", "Afghan", "OOTH"),
    ("OARA", "Arab other", "OOTH"),
    ("OEGY", "Egyptian", "OOTH"),
    ("OFIL", "Filipino", "OOTH"),
    ("OIRN", "Iranian", "OOTH"),
    ("OIRQ", "Iraqi", "OOTH"),
    ("OJPN", "Japanese", "OOTH"),
    ("OKOR", "Korean", "OOTH"),
    ("OKRD", "Kurdish", "OOTH"),
    ("OLAM", "Latin/South/Central American", "OOTH"),
    ("OLEB", "Lebanese", "OOTH"),
    ("OLIB", "Libyan", "OOTH"),
    ("OMAL", "Malay", "OOTH"),
    ("OMRC", "Moroccan", "OOTH"),
    ("OPOL", "Polynesian", "OOTH"),
    ("OTHA", "Thai", "OOTH"),
    ("OVIE", "Vietnamese", "OOTH"),
    ("OYEM", "Yemeni", "OOTH"),
    ("OOEG", "Other ethnic group", "OOTH"),
)
_EXTENDED_TO_MAIN = {code: main for code, _, main in EXTENDED_ETHNICITY}
_EXTENDED_BY_LABEL = {re.sub(r"[\W_]+", "", label).casefold(): code for code, label, _ in EXTENDED_ETHNICITY}

GENDER: Choices = (("M", "Male"), ("F", "Female"))
_GENDER_ALIASES = {"boy": "M", "girl": "F"}

# National Curriculum year: Nursery 1 = -2, Nursery 2 = -1, Reception = 0, Year 1..13 = 1..13.
YEAR_GROUPS: tuple[tuple[int, str], ...] = (
    (-2, "Nursery 1"),
    (-1, "Nursery 2"),
    (0, "Reception"),
    *((n, f"Year {n}") for n in range(1, 14)),
)
_YEAR_GROUP_CODES = {-2: "N1", -1: "N2", 0: "R"}  # CTF NCyearActual; other years are the number
_YEAR_WORDS = {
    "n1": -2,
    "nursery1": -2,
    "nur1": -2,
    "n2": -1,
    "nursery2": -1,
    "nur2": -1,
    "r": 0,
    "rec": 0,
    "reception": 0,
    "yr": 0,  # "Year R"
    "yearr": 0,
    "yearreception": 0,
}
_YEAR_NUMBER = re.compile(r"(?:year|yr|y|ncyear|ncy)?0*(\d{1,2})")

# Language codes (DfE) that mean English, or that the language is unknown.
_ENGLISH = frozenset({"eng", "enb", "english", "believedtobeenglish"})
_LANGUAGE_UNKNOWN = frozenset(
    {"not", "ref", "notobtained", "informationnotobtained", "informationnotyetobtained", "refused"}
)


def _squash(value: object) -> str:
    """Lower case with everything but letters and digits removed: "E.H.C. Plan" -> "ehcplan"."""
    return re.sub(r"[\W_]+", "", str(value)).casefold()


def label_for(choices: Choices, code: str) -> str:
    """The label of ``code`` in ``choices`` (raises KeyError if it is not there)."""
    return dict(choices)[code]


def ethnicity_name(code: str) -> str:
    """The census name of an ethnicity code, as a reader says it: "ABAN" → "Bangladeshi", "WBRI" → "White
    British"; an unknown code is shown as it is."""
    name = dict(ETHNICITY).get(code)
    return name.replace(" - ", " ") if name else code


def _lookup(choices: Choices, value: object, aliases: dict[str, str] | None = None) -> str | None:
    key = _squash(value)
    if not key:
        return None
    for code, label in choices:
        if key in (code.casefold(), _squash(label)):
            return code
    return (aliases or {}).get(key)


def _blank_check(value: object, what: str) -> None:
    if value is None or not str(value).strip():
        raise ValueError(f"{what} is blank")


def normalise_sen_provision(value: object) -> str:
    """N, K or E. Legacy codes map to today's: A (School Action) and P (School Action Plus) to K,
    S (statement) to E. Labels ("SEN support", "EHC plan", "Statement") are accepted too."""
    _blank_check(value, "SEN provision")
    code = _lookup(SEN_PROVISION + LEGACY_SEN_PROVISION, value, _SEN_PROVISION_ALIASES)
    if code is None:
        raise ValueError(f"unknown SEN provision {str(value).strip()!r} (use N, K or E)")
    return _LEGACY_SEN_PROVISION_MAP.get(code, code)


def is_sen_provision_code(value: str) -> bool:
    """True for a code as recorded, today's or legacy (N K E A P S)."""
    return value in dict(SEN_PROVISION + LEGACY_SEN_PROVISION)


def normalise_primary_need(value: object) -> str:
    """A primary need code (SPLD, MLD, …); legacy BESD becomes SEMH."""
    _blank_check(value, "primary need")
    code = _lookup(PRIMARY_NEED + LEGACY_PRIMARY_NEED, value)
    if code is None:
        raise ValueError(f"unknown primary need {str(value).strip()!r}")
    return _LEGACY_PRIMARY_NEED_MAP.get(code, code)


def main_ethnicity(code: str) -> str | None:
    """The main census code of a main or extended ethnicity code, as written (upper case): "BSOM" → "BAFR",
    "WSCO" → "WBRI", "WIRT" → "WIRT"; None for a code on neither list."""
    if code in dict(ETHNICITY):
        return code
    return _EXTENDED_TO_MAIN.get(code)


def normalise_ethnicity(value: object) -> str:
    """A main census ethnicity code (WBRI, …, NOBT), from a main or an extended code (or its label): an
    extended code is counted as its main one, "BSOM" (Somali) → "BAFR", "WSCO" (Scottish) → "WBRI"."""
    _blank_check(value, "ethnicity")
    code = _lookup(ETHNICITY, value)
    if code is None:
        key = _squash(value)
        extended = key.upper() if key.upper() in _EXTENDED_TO_MAIN else _EXTENDED_BY_LABEL.get(key)
        code = _EXTENDED_TO_MAIN.get(extended or "")
    if code is None:
        raise ValueError(f"unknown ethnicity code {str(value).strip()!r}")
    return code


def normalise_gender(value: object) -> str:
    """M or F (the census values); "Male"/"Female" are accepted."""
    _blank_check(value, "gender")
    code = _lookup(GENDER, value, _GENDER_ALIASES)
    if code is None:
        raise ValueError(f"unknown gender {str(value).strip()!r} (use M or F)")
    return code


def parse_year_group(value: object) -> int:
    """-2 (Nursery 1), -1 (Nursery 2), 0 (Reception) or 1..13 from "Year 6", "Y6", "6", "06", "R",
    "Reception", "YR", "N1", "Nursery 2", "0", or a number (an int, or a whole float from a spreadsheet)."""
    _blank_check(value, "year group")
    if isinstance(value, bool):
        raise ValueError(f"unknown year group {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if value in dict(YEAR_GROUPS):
            return value
        raise ValueError(f"unknown year group {value!r} (use N1, N2, R or 1 to 13)")
    key = _squash(value)
    if key in _YEAR_WORDS:
        return _YEAR_WORDS[key]
    match = _YEAR_NUMBER.fullmatch(key)
    if match and int(match.group(1)) <= 13:
        return int(match.group(1))
    raise ValueError(f"unknown year group {str(value).strip()!r} (use N1, N2, R or 1 to 13)")


def year_group_label(year: int) -> str:
    """The label: "Nursery 1", "Reception", "Year 6", …"""
    return dict(YEAR_GROUPS)[year]


def year_group_code(year: int) -> str:
    """The CTF/census NCyear code: "N1", "N2", "R", "1" … "13"."""
    if year not in dict(YEAR_GROUPS):
        raise ValueError(f"unknown year group {year!r}")
    return _YEAR_GROUP_CODES.get(year, str(year))


def eal_from_language(value: object) -> bool | None:
    """English as an additional language, from a first-language code or name: False for English
    (ENG, ENB "believed to be English"), None when blank or not known (NOT, REF), True otherwise."""
    key = _squash(value) if value is not None else ""
    if not key or key in _LANGUAGE_UNKNOWN:
        return None
    return key not in _ENGLISH
