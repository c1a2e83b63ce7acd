"""The annex data must match the source document word for word.

The expected items and checklist prompts are re-read from the guide's text, kept in the repository's test
data (``tests/selfreview/data/``, whose README names its source), so a typo in ``selfreview/annex.py`` (or
a missing, extra or misplaced item) fails here, and the tests read nothing outside the repository.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
from pathlib import Path

import pytest

from selfreview import annex
from selfreview.annex import (
    ANNEX_TITLE,
    FEATURES,
    GUIDANCE_LEAD_IN,
    PHASES,
    RATING_SCALE,
    Feature,
    Item,
    all_items,
    feature_by_number,
    item_by_code,
    item_code,
    item_codes,
)

SEED = Path(__file__).resolve().parent / "data" / "personalised_learning_a_practical_guide_2008.txt"

EXPECTED_TITLES = (
    "High quality teaching and learning",
    "Target setting and tracking",
    "Focused assessment",
    "Intervention",
    "Pupil grouping",
    "The learning environment",
    "Curriculum organisation",
    "The extended curriculum",
    "Supporting children's wider needs",
)

EXPECTED_COUNTS = (5, 4, 3, 3, 3, 4, 3, 4, 3)

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)


def norm(text: str) -> str:
    """Straighten quotes and dashes, collapse whitespace (the annex rows end in runs of tabs)."""
    return " ".join(text.translate(_TRANSLATE).split())


@functools.lru_cache(maxsize=1)
def _seed_lines_cached() -> tuple[str, ...]:
    return tuple(norm(line) for line in SEED.read_text(encoding="utf-8").splitlines())


def seed_lines() -> tuple[str, ...]:
    if not SEED.is_file():
        pytest.fail(
            f"The guide's text is missing from the test data ({SEED}); the annex tests check "
            "selfreview/annex.py against it. Restore it from git.",
            pytrace=False,
        )
    return _seed_lines_cached()


def annex_start() -> int:
    lines = seed_lines()
    starts = [index for index, line in enumerate(lines) if line == norm(ANNEX_TITLE)]
    assert len(starts) == 1, f"expected one line {ANNEX_TITLE!r} in the seed, found {len(starts)}"
    return starts[0]


def annex_lines() -> tuple[str, ...]:
    """The seed from the annex heading to the end, non-empty lines only."""
    return tuple(line for line in seed_lines()[annex_start() :] if line)


def body_lines() -> tuple[str, ...]:
    """The seed before the annex."""
    return seed_lines()[: annex_start()]


_ITEM_LINE = re.compile(r"^([a-z])\) (.+)$")


def parse_annex() -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(feature_title, [(letter, text), ...]), ...]`` read from the seed's annex.

    An item row looks like ``a) text``; the feature heading is the row just before its ``a)`` item.
    """
    parsed: list[tuple[str, list[tuple[str, str]]]] = []
    previous = ""
    for line in annex_lines():
        match = _ITEM_LINE.match(line)
        if match:
            letter, text = match.groups()
            if letter == "a":
                parsed.append((previous, []))
            assert parsed, f"annex item before any feature heading: {line!r}"
            parsed[-1][1].append((letter, text))
        previous = line
    return parsed


def parse_checklists() -> list[tuple[str, tuple[str, ...]]]:
    """``[(feature_title, prompts), ...]`` for each "Developing practice checklist" in the body.

    The title is that of the feature section the checklist sits in; prompts are its "- " bullets
    (dash removed) up to "Sources of further support".
    """
    titles = {norm(title) for title in EXPECTED_TITLES}
    checklists: list[tuple[str, tuple[str, ...]]] = []
    section = ""
    collecting: list[str] | None = None
    for line in body_lines():
        heading = re.sub(r"^\d+\.\s*", "", line)
        if heading in titles:
            section = heading
            continue
        if line == "Developing practice checklist":
            collecting = []
            continue
        if collecting is not None:
            if line.startswith("Sources of further support"):
                checklists.append((section, tuple(collecting)))
                collecting = None
            elif line.startswith("- "):
                collecting.append(line[2:])
    assert collecting is None, "a checklist without a following 'Sources of further support'"
    return checklists


# --- the seed itself --------------------------------------------------------------------------------


def test_seed_file_is_present():
    assert seed_lines(), f"seed file {SEED} is empty"


def test_seed_annex_has_32_items():
    assert sum(len(items) for _title, items in parse_annex()) == 32


# --- features ---------------------------------------------------------------------------------------


def test_nine_features_with_the_documents_titles_in_order():
    assert len(FEATURES) == 9
    assert tuple(feature.title for feature in FEATURES) == EXPECTED_TITLES
    assert tuple(feature.number for feature in FEATURES) == tuple(range(1, 10))


def test_feature_titles_match_the_annex_headings():
    assert [norm(feature.title) for feature in FEATURES] == [title for title, _items in parse_annex()]


def test_feature_titles_follow_the_contents_page():
    lines = seed_lines()
    contents = lines.index("Contents")
    listed = [re.sub(r"\s+\d+$", "", line) for line in lines[contents + 1 : contents + 12] if line]
    # The first entry is the introduction, the last the annex.
    assert [norm(title) for title in EXPECTED_TITLES] == listed[1:10]


def test_slugs_are_unique_and_url_safe():
    slugs = [feature.slug for feature in FEATURES]
    assert len(set(slugs)) == 9
    for slug in slugs:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", slug), slug


# --- items ------------------------------------------------------------------------------------------


def test_all_32_items():
    assert len(list(all_items())) == 32
    assert tuple(len(feature.items) for feature in FEATURES) == EXPECTED_COUNTS


def test_items_match_the_annex_exactly_feature_by_feature():
    expected = parse_annex()
    actual = [(norm(feature.title), [(item.letter, norm(item.text)) for item in feature.items]) for feature in FEATURES]
    assert actual == expected


def test_item_counts_per_feature_match_the_annex():
    assert [len(items) for _title, items in parse_annex()] == [len(feature.items) for feature in FEATURES]


def test_every_item_text_is_found_in_the_annex_in_order():
    text = "\n".join(annex_lines())
    position = 0
    for feature, item in all_items():
        found = text.find(f"{item.letter}) {norm(item.text)}", position)
        assert found != -1, f"item {item_code(feature, item)} not found (in order) in the annex: {item.text!r}"
        position = found + 1


def test_every_item_sits_under_its_feature_in_the_annex():
    lines = annex_lines()
    for feature in FEATURES:
        start = lines.index(norm(feature.title))
        following = [f.title for f in FEATURES if f.number == feature.number + 1]
        end = lines.index(norm(following[0])) if following else len(lines)
        block = lines[start:end]
        for item in feature.items:
            assert f"{item.letter}) {norm(item.text)}" in block, (feature.title, item.text)


def test_items_are_lettered_a_b_c_within_each_feature():
    for feature in FEATURES:
        assert [item.letter for item in feature.items] == list("abcdefghij"[: len(feature.items)])


def test_texts_are_clean():
    for feature, item in all_items():
        assert item.text == item.text.strip() and "  " not in item.text, item_code(feature, item)
        assert "\t" not in item.text


# --- checklist prompts ------------------------------------------------------------------------------


def test_guidance_is_the_checklist_of_each_feature_word_for_word():
    checklists = parse_checklists()
    assert [title for title, _prompts in checklists] == [norm(title) for title in EXPECTED_TITLES]
    for feature, (_title, prompts) in zip(FEATURES, checklists, strict=True):
        assert tuple(norm(prompt) for prompt in feature.guidance) == prompts, feature.title


def test_guidance_as_the_seed_gives_it():
    # The seed text has no prompts for these three features and only one for pupil grouping.
    by_number = {feature.number: feature for feature in FEATURES}
    assert by_number[2].guidance == by_number[3].guidance == by_number[4].guidance == ()
    assert len(by_number[5].guidance) == 1
    assert [len(feature.guidance) for feature in FEATURES] == [5, 0, 0, 0, 1, 4, 3, 4, 3]


def test_guidance_lead_in_is_in_the_body():
    assert GUIDANCE_LEAD_IN in body_lines()


# --- rating scale and phases ------------------------------------------------------------------------


def test_rating_scale():
    assert tuple(value for value, _label in RATING_SCALE) == (1, 2, 3, 4)
    assert RATING_SCALE[0] == (1, "A strong feature of current practice")
    assert RATING_SCALE[3] == (4, "An aspect needing significant development")
    labels = [label for _value, label in RATING_SCALE]
    assert len(set(labels)) == 4 and all(labels)


def test_rating_scale_ends_use_the_annex_wording():
    header = "\n".join(annex_lines()[:12])
    for value in (1, 4):
        label = dict(RATING_SCALE)[value]
        assert f"{value} - {label[0].lower()}{label[1:]}" in header


def test_phases():
    assert PHASES == (1, 2, 3)
    header = " ".join(annex_lines()[:6])
    for phase in PHASES:
        assert f"Phase {phase} Date:" in header


# --- helpers ----------------------------------------------------------------------------------------


def test_item_code():
    focused = FEATURES[2]
    assert item_code(focused, focused.items[2]) == "3c"
    assert item_code(3, "c") == "3c"
    assert item_codes()[:6] == ("1a", "1b", "1c", "1d", "1e", "2a")
    assert item_codes()[-1] == "9c"
    assert len(set(item_codes())) == 32


def test_all_items_order():
    pairs = list(all_items())
    assert [feature.number for feature, _item in pairs] == [
        number for number, count in zip(range(1, 10), EXPECTED_COUNTS, strict=True) for _ in range(count)
    ]
    assert pairs[0] == (FEATURES[0], FEATURES[0].items[0])
    assert pairs[-1] == (FEATURES[-1], FEATURES[-1].items[-1])


def test_lookups():
    feature, item = item_by_code("3c")
    assert feature.title == "Focused assessment"
    assert item.text == "using APP as a central part of periodic assessment"
    assert feature_by_number(9).title == "Supporting children's wider needs"
    for bad in ("3d", "0a", "", "10a", None):
        with pytest.raises(KeyError):
            item_by_code(bad)
    with pytest.raises(KeyError):
        feature_by_number(10)


def test_dataclasses_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        FEATURES[0].title = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        FEATURES[0].items[0].text = "x"  # type: ignore[misc]
    assert [field.name for field in dataclasses.fields(Feature)] == [
        "number",
        "slug",
        "title",
        "guidance",
        "items",
    ]
    assert [field.name for field in dataclasses.fields(Item)] == ["letter", "text"]
    assert all(isinstance(feature.items, tuple) and isinstance(feature.guidance, tuple) for feature in FEATURES)


def test_annex_module_does_not_import_django():
    tree = ast.parse(Path(annex.__file__).read_text(encoding="utf-8"))
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.append(node.module or "")
    assert not [name for name in imported if name.split(".")[0] == "django"]
