"""The shipped assessment frameworks: subjects, their assessment focuses (APP), and a sample set of criteria
statements written for schoolpl.

Focus names follow DESIGN §3. The criteria are a starting point in the product's own words, one or two per
focus for levels 2–5; a school edits them or imports its own (``importing.criteria_import_csv``).
``framework_install`` is idempotent: running it twice changes nothing, and it never overwrites a school's
edits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .models import Criterion, Focus, Subject


@dataclass(frozen=True)
class SubjectSpec:
    code: str
    name: str
    group_subject: str  # the teaching-group subject whose teachers assess it
    focuses: tuple[tuple[str, str], ...]
    scale_code: str = "nc_full"


SUBJECTS: tuple[SubjectSpec, ...] = (
    SubjectSpec(
        "reading",
        "Reading",
        "english",
        (
            ("AF1", "Decoding and strategies"),
            ("AF2", "Retrieval"),
            ("AF3", "Inference"),
            ("AF4", "Structure and organisation"),
            ("AF5", "Language at word and sentence level"),
            ("AF6", "Purpose and viewpoint"),
            ("AF7", "Texts in context"),
        ),
    ),
    SubjectSpec(
        "writing",
        "Writing",
        "english",
        (
            ("AF1", "Imaginative texts"),
            ("AF2", "Fit to task, reader and purpose"),
            ("AF3", "Organising whole texts"),
            ("AF4", "Paragraphs and cohesion"),
            ("AF5", "Varied sentences"),
            ("AF6", "Punctuation and syntax"),
            ("AF7", "Vocabulary"),
            ("AF8", "Spelling"),
        ),
    ),
    SubjectSpec(
        "maths",
        "Mathematics",
        "maths",
        (
            ("Ma1", "Using and applying"),
            ("Ma2", "Number"),
            ("Ma3", "Algebra"),
            ("Ma4", "Shape, space and measures"),
            ("Ma5", "Handling data"),
        ),
    ),
    SubjectSpec(
        "science",
        "Science",
        "science",
        (
            ("Sc1", "Scientific enquiry"),
            ("Sc2", "Life processes and living things"),
            ("Sc3", "Materials and their properties"),
            ("Sc4", "Physical processes"),
        ),
    ),
)

# Sample criteria, written for schoolpl: (subject, focus) → {level: [statements]}.
SAMPLE_CRITERIA: dict[tuple[str, str], dict[str, list[str]]] = {
    ("reading", "AF1"): {
        "2": ["Blends sounds to read unfamiliar words and self-corrects when a word does not make sense."],
        "3": ["Reads most common words on sight and uses more than one strategy for a tricky word."],
        "4": ["Reads aloud fluently with expression that shows the meaning."],
        "5": ["Chooses a reading strategy to suit the text, such as skimming for gist."],
    },
    ("reading", "AF2"): {
        "2": ["Finds a named detail in a short text when asked where it is."],
        "3": ["Picks out facts from different parts of a text to answer a question."],
        "4": ["Quotes or points to the words in the text that back up an answer."],
        "5": ["Selects the most relevant evidence from across a longer text."],
    },
    ("reading", "AF3"): {
        "2": ["Suggests how a character feels from what they say or do."],
        "3": ["Reads between the lines with support, e.g. why a character acted."],
        "4": ["Explains inferences with reference to the text."],
        "5": ["Builds an interpretation from several clues and weighs alternatives."],
    },
    ("reading", "AF4"): {
        "2": ["Knows a story has a beginning, middle and end and a list has items."],
        "3": ["Notices headings, captions and paragraphs and says what they are for."],
        "4": ["Comments on how the order of ideas helps the reader."],
        "5": ["Explains how the structure of a text builds tension or argument."],
    },
    ("reading", "AF5"): {
        "2": ["Points out words the author chose because they sound good or are funny."],
        "3": ["Says why a particular word or phrase was chosen, in simple terms."],
        "4": ["Identifies figurative language and says what effect it has."],
        "5": ["Explains how sentence length and word choice shape the reader's response."],
    },
    ("reading", "AF6"): {
        "2": ["Gives a simple opinion about a text and whether they liked it."],
        "3": ["Recognises that the writer wants the reader to think or feel something."],
        "4": ["Identifies the main purpose of a text and the writer's viewpoint."],
        "5": ["Explains how a writer tries to persuade or influence the reader."],
    },
    ("reading", "AF7"): {
        "2": ["Links a story to their own experience or to another story they know."],
        "3": ["Notices that stories from other times or places can be different."],
        "4": ["Compares texts from different times or cultures on a simple feature."],
        "5": ["Explains how a text's setting in time or culture affects its meaning."],
    },
    ("writing", "AF1"): {
        "2": ["Writes a simple story with a character and some events in order."],
        "3": ["Adds detail to characters or setting to interest the reader."],
        "4": ["Keeps a chosen style and viewpoint through a piece."],
        "5": ["Develops characters and setting to suit the genre and engage the reader."],
    },
    ("writing", "AF2"): {
        "2": ["Shows some awareness of who the writing is for."],
        "3": ["Uses some features of the text type being written."],
        "4": ["Adapts the formality of language for the purpose and reader."],
        "5": ["Keeps the reader in mind throughout, with a consistent tone."],
    },
    ("writing", "AF3"): {
        "2": ["Writes ideas in a sensible order with a simple opening."],
        "3": ["Groups ideas into sections with a beginning and an end."],
        "4": ["Organises writing so that it moves logically to a conclusion."],
        "5": ["Shapes the whole text deliberately, e.g. a flashback or a summary that returns to the start."],
    },
    ("writing", "AF4"): {
        "2": ["Joins ideas with and, then and so."],
        "3": ["Uses some paragraphs and simple time connectives."],
        "4": ["Links paragraphs with varied connectives and topic sentences."],
        "5": ["Uses a range of devices so paragraphs flow and refer back to each other."],
    },
    ("writing", "AF5"): {
        "2": ["Writes simple sentences, sometimes joined with and or but."],
        "3": ["Uses some sentences with because, when or if."],
        "4": ["Varies sentence openings and lengths for effect."],
        "5": ["Uses complex sentences with embedded clauses confidently."],
    },
    ("writing", "AF6"): {
        "2": ["Demarcates most sentences with capital letters and full stops."],
        "3": ["Uses question and exclamation marks, and commas in lists, mostly correctly."],
        "4": ["Uses commas to mark clauses and punctuates speech correctly."],
        "5": ["Uses a range of punctuation, including brackets and dashes, to clarify meaning."],
    },
    ("writing", "AF7"): {
        "2": ["Chooses some words to add interest, such as adjectives."],
        "3": ["Uses some adventurous words chosen for effect."],
        "4": ["Chooses vocabulary precisely for the subject and the reader."],
        "5": ["Uses a wide vocabulary, including technical and figurative language."],
    },
    ("writing", "AF8"): {
        "2": ["Spells common single-syllable words correctly and makes phonetically plausible attempts."],
        "3": ["Spells common words and familiar patterns correctly."],
        "4": ["Spells words with regular patterns and common prefixes and suffixes correctly."],
        "5": ["Spells most words correctly, including some irregular ones."],
    },
    ("maths", "Ma1"): {
        "2": ["Chooses the equipment or method to try for a simple problem."],
        "3": ["Explains how a problem was solved and checks the answer makes sense."],
        "4": ["Breaks a problem into steps and records the working clearly."],
        "5": ["Tries a general statement with examples and explains the reasoning."],
    },
    ("maths", "Ma2"): {
        "2": ["Orders numbers to 100 and knows addition facts to 10."],
        "3": ["Adds and subtracts two-digit numbers mentally and knows the 2, 5 and 10 times tables."],
        "4": ["Multiplies and divides whole numbers and uses decimals to two places in context."],
        "5": ["Uses fractions, decimals and percentages and checks calculations by estimating."],
    },
    ("maths", "Ma3"): {
        "2": ["Continues a simple pattern of shapes or numbers."],
        "3": ["Describes a number sequence with a rule in words."],
        "4": ["Uses a simple formula expressed in words."],
        "5": ["Uses letters for unknowns and constructs simple expressions."],
    },
    ("maths", "Ma4"): {
        "2": ["Names common 2-D and 3-D shapes and describes their properties."],
        "3": ["Measures length in standard units and classifies shapes by their properties."],
        "4": ["Uses coordinates in the first quadrant and finds perimeters of simple shapes."],
        "5": ["Measures and draws angles accurately and calculates areas of rectangles."],
    },
    ("maths", "Ma5"): {
        "2": ["Sorts objects and reads a simple block graph."],
        "3": ["Draws and interprets bar charts and pictograms."],
        "4": ["Collects data and records it in a frequency table and a bar chart."],
        "5": ["Interprets line graphs and understands the mean, median and mode."],
    },
    ("science", "Sc1"): {
        "2": ["Says what they think will happen and records simple observations."],
        "3": ["Suggests how to find something out and says whether a test was fair with help."],
        "4": ["Plans a fair test, changing one thing and keeping others the same."],
        "5": ["Repeats measurements and explains whether the results support the prediction."],
    },
    ("science", "Sc2"): {
        "2": ["Names the main parts of plants and animals and what they need to live."],
        "3": ["Groups living things by features they can observe."],
        "4": ["Describes life processes such as nutrition, growth and reproduction."],
        "5": ["Explains food chains and how organisms are adapted to their habitats."],
    },
    ("science", "Sc3"): {
        "2": ["Sorts materials by simple properties such as hard or bendy."],
        "3": ["Describes how some materials change when heated or cooled."],
        "4": ["Separates simple mixtures and explains the method chosen."],
        "5": ["Distinguishes reversible from irreversible changes with reasons."],
    },
    ("science", "Sc4"): {
        "2": ["Describes pushes and pulls and how they change movement."],
        "3": ["Builds a simple circuit and says why a bulb lights."],
        "4": ["Explains how shadows form and uses the idea that light travels in straight lines."],
        "5": ["Uses forces, such as gravity and friction, to explain observations."],
    },
}


@transaction.atomic
def framework_install(*, school, with_sample_criteria: bool = True) -> dict[str, int]:
    """Install the shipped subjects and focuses (and, if the school has none yet, the sample criteria).

    Idempotent: existing subjects and focuses are left as the school has them. Returns counts created.
    """
    created = {"subjects": 0, "focuses": 0, "criteria": 0}
    existing = {s.code: s for s in Subject.objects.filter(school=school)}
    for order, spec in enumerate(SUBJECTS):
        if spec.code not in existing:
            existing[spec.code] = Subject.objects.create(
                school=school,
                code=spec.code,
                name=spec.name,
                scale_code=spec.scale_code,
                group_subject=spec.group_subject,
                order=order,
            )
            created["subjects"] += 1
    have = {(f.subject_id, f.code): f for f in Focus.objects.filter(subject__school=school)}
    new_focuses = []
    for spec in SUBJECTS:
        subject = existing[spec.code]
        for order, (code, name) in enumerate(spec.focuses):
            if (subject.pk, code) not in have:
                new_focuses.append(Focus(subject=subject, code=code, name=name, order=order))
    Focus.objects.bulk_create(new_focuses)
    created["focuses"] = len(new_focuses)
    if with_sample_criteria and not Criterion.objects.filter(focus__subject__school=school).exists():
        focuses = {
            (f.subject.code, f.code): f for f in Focus.objects.filter(subject__school=school).select_related("subject")
        }
        rows = [
            Criterion(focus=focuses[key], level=level, text=text, order=i)
            for key, by_level in SAMPLE_CRITERIA.items()
            if key in focuses
            for level, texts in by_level.items()
            for i, text in enumerate(texts)
        ]
        Criterion.objects.bulk_create(rows)
        created["criteria"] = len(rows)
    return created
