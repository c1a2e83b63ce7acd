"""The self-review annex of *Personalised Learning – A Practical Guide* (DCSF, 2008), as plain data.

Source: ``shared/seeds/001_ad65b60b0563a286.txt``.

* ``FEATURES`` holds the nine features of personalised learning in the document's order. Each feature
  carries the items listed under it in the section "Annex: Identification of development priorities"
  (32 items in total), word for word and in the annex's order. The annex labels the items of each
  feature ``a)``, ``b)``, ``c)`` …, restarting at ``a`` for every feature; ``Item.letter`` keeps that
  letter, and ``item_code`` joins it to the feature number ("3c").
* ``Feature.guidance`` holds the prompts of the feature's "Developing practice checklist" from the body
  of the document, word for word. Each prompt completes the lead-in sentence ``GUIDANCE_LEAD_IN``.
  The seed text is incomplete here: the checklists for target setting and tracking, focused assessment
  and intervention contain no prompts (empty tuples), pupil grouping has a single prompt, and the
  second prompt of high quality teaching and learning breaks off after "lesson". They are kept as the
  seed gives them; the annex items are complete and are what schools rate.

This module must stay free of Django imports: a data migration loads it into the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "ANNEX_TITLE",
    "FEATURES",
    "GUIDANCE_LEAD_IN",
    "PHASES",
    "RATING_SCALE",
    "Feature",
    "Item",
    "all_items",
    "feature_by_number",
    "item_by_code",
    "item_code",
    "item_codes",
]

ANNEX_TITLE = "Annex: Identification of development priorities"

GUIDANCE_LEAD_IN = "How effective is current practice in:"

# The annex header words only the two ends of the scale ("1 – a strong feature of current practice",
# "4 – an aspect needing significant development"); those two labels are its wording with a capital
# first letter. The labels for 2 and 3 are ours.
RATING_SCALE: tuple[tuple[int, str], ...] = (
    (1, "A strong feature of current practice"),
    (2, "An established feature needing some further development"),
    (3, "An aspect needing development"),
    (4, "An aspect needing significant development"),
)

# The annex has three dated rating columns: "Phase 1 Date", "Phase 2 Date", "Phase 3 Date".
PHASES: tuple[int, ...] = (1, 2, 3)


@dataclass(frozen=True)
class Item:
    """One annex item: its letter within its feature ('a', 'b', ...) and its text."""

    letter: str
    text: str


@dataclass(frozen=True)
class Feature:
    """One of the nine features of personalised learning."""

    number: int
    slug: str
    title: str
    guidance: tuple[str, ...]
    items: tuple[Item, ...]


def _items(*texts: str) -> tuple[Item, ...]:
    return tuple(Item(letter=chr(ord("a") + index), text=text) for index, text in enumerate(texts))


FEATURES: tuple[Feature, ...] = (
    Feature(
        number=1,
        slug="high-quality-teaching-and-learning",
        title="High quality teaching and learning",
        guidance=(
            "Designing highly focused teaching sequence/lesson plans with high demands of pupil engagement?",
            # Breaks off like this in the seed text (the annex item reads "... into lesson plans").
            "Designing reasonable adjustments and special educational provision into lesson",
            "Focusing on questioning, modelling and explaining?",
            "Promoting pupil talk, both individually and in groups?",
            "Supporting pupil independence in their learning?",
        ),
        items=_items(
            "designing highly focused teaching sequence/lesson plans with high demands of pupil engagement",
            "designing reasonable adjustments and special educational provision into lesson plans",
            "focusing on questioning, modelling and explaining",
            "promoting pupil talk, both individually and in groups",
            "supporting pupil independence in their learning",
        ),
    ),
    Feature(
        number=2,
        slug="target-setting-and-tracking",
        title="Target setting and tracking",
        guidance=(),  # the seed's checklist for this feature has no prompts
        items=_items(
            "translating NC or GCSE targets into curricular targets",
            "using progress data to identify individuals and groups who are off trajectory",
            "adjusting teaching and intervention programmes in the light of tracking information",
            "providing regular feedback to pupils and their parents/carers",
        ),
    ),
    Feature(
        number=3,
        slug="focused-assessment",
        title="Focused assessment",
        guidance=(),  # the seed's checklist for this feature has no prompts
        items=_items(
            "incorporating learning objectives, learning outcomes and success criteria into day to day practice",
            "supporting pupils in assessing and evaluating their learning through peer and self-assessment",
            "using APP as a central part of periodic assessment",
        ),
    ),
    Feature(
        number=4,
        slug="intervention",
        title="Intervention",
        guidance=(),  # the seed's checklist for this feature has no prompts
        items=_items(
            "linking learning developed in intervention programmes into mainstream lessons",
            "incorporating individual tuition into the overall approach to intervention",
            "evaluating the quality and impact of current intervention programmes",
        ),
    ),
    Feature(
        number=5,
        slug="pupil-grouping",
        title="Pupil grouping",
        guidance=(
            # The only prompt the seed gives for this feature.
            "Developing guided learning as an integral part of lesson organisation?",
        ),
        items=_items(
            "evaluating the impact of class/teaching groupings (sets, bands, mixed ability, gender)",
            "incorporating a range of pupil grouping options (whole class, small groups, pairs) in lessons",
            "developing guided learning as an integral part of lesson organisation",
        ),
    ),
    Feature(
        number=6,
        slug="learning-environment",
        title="The learning environment",
        guidance=(
            "Adapting the organisation of the classroom/learning environment to the pupils' learning needs?",
            "Developing the use of learning resources and particularly ICT?",
            "Ensuring ICT is used to support access for disabled pupils and those with special educational needs?",
            "Making effective use of the 'outdoor classroom'?",
        ),
        items=_items(
            "adapting the organisation of the classroom/learning environment to the pupils' learning needs",
            "developing the use of learning resources and particularly ICT",
            "ensuring ICT is used to support access for disabled pupils and those with SEN",
            "making effective use of the 'outdoor classroom'",
        ),
    ),
    Feature(
        number=7,
        slug="curriculum-organisation",
        title="Curriculum organisation",
        guidance=(
            "Choosing an overall curriculum model/structure that caters for the needs of all pupils?",
            "Providing specific support for certain groups of pupils including pupils with SEN, EAL and "
            "gifted and talented learners?",
            "Incorporating flexibility into curriculum organisation and delivery to ensure greater "
            "coherence from the pupils' perspectives?",
        ),
        items=_items(
            "choosing an overall curriculum model/structure that caters for the needs of all pupils",
            "providing specific support for certain groups of pupils including pupils with SEN, EAL and "
            "gifted and talented learners",
            "incorporating flexibility into curriculum organisation and delivery to ensure greater "
            "coherence from the pupils' perspectives",
        ),
    ),
    Feature(
        number=8,
        slug="extended-curriculum",
        title="The extended curriculum",
        guidance=(
            "Offering a full range of 'out of hours' activities which enhance and extend the basic curriculum?",
            "Ensuring access for all groups of pupils?",
            "Involving parents and carers, as well as the wider community, in extended provision?",
            "Providing access to other services, including health and social services?",
        ),
        items=_items(
            "offering a full range of 'out of hours' activities which enhance and extend the basic curriculum",
            "ensuring access for all groups of pupils",
            "involving parents/carers as well as the wider community in extended provision",
            "providing access to other services, including health and social services",
        ),
    ),
    Feature(
        number=9,
        slug="supporting-wider-needs",
        title="Supporting children's wider needs",
        guidance=(
            "Maintaining close communication with parents and carers?",
            "Developing multi-agency links to support vulnerable children and active partnerships with "
            "Children's Trusts?",
            "Developing the role of the 'personal tutor' as a first point of contact for parents and "
            "carers (secondary context)?",
        ),
        items=_items(
            "maintaining close communication with parents/carers",
            "developing multi-agency links to support vulnerable children and active partnerships with "
            "Children's Trusts",
            "developing the role of the 'personal tutor' as a first point of contact for parents/carers "
            "(secondary context)",
        ),
    ),
)


def item_code(feature: Feature | int, item: Item | str) -> str:
    """The short code of an item, feature number then letter: ``item_code(FEATURES[2], c_item) == "3c"``.

    Accepts a ``Feature`` or its number, and an ``Item`` or its letter.
    """
    number = feature.number if isinstance(feature, Feature) else feature
    letter = item.letter if isinstance(item, Item) else item
    return f"{number}{letter}"


def all_items() -> Iterator[tuple[Feature, Item]]:
    """Yield ``(feature, item)`` for all 32 annex items, in annex order."""
    for feature in FEATURES:
        for item in feature.items:
            yield feature, item


def item_codes() -> tuple[str, ...]:
    """All 32 item codes in annex order: ``("1a", "1b", ..., "9c")``."""
    return tuple(item_code(feature, item) for feature, item in all_items())


_BY_CODE: dict[str, tuple[Feature, Item]] = {item_code(f, i): (f, i) for f, i in all_items()}
_BY_NUMBER: dict[int, Feature] = {feature.number: feature for feature in FEATURES}


def item_by_code(code: str) -> tuple[Feature, Item]:
    """``(feature, item)`` for a code such as ``"3c"``; ``KeyError`` for an unknown code."""
    try:
        return _BY_CODE[code]
    except (KeyError, TypeError):
        raise KeyError(f"Unknown annex item code: {code!r}") from None


def feature_by_number(number: int) -> Feature:
    """The feature with this number (1–9); ``KeyError`` otherwise."""
    try:
        return _BY_NUMBER[number]
    except (KeyError, TypeError):
        raise KeyError(f"Unknown feature number: {number!r}") from None
