"""The data migration loads the nine features and all 32 annex items of seed 001, in order."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from selfreview.annex import FEATURES
from selfreview.models import AnnexItem, Feature
from tests.selfreview.test_annex import norm, parse_annex

pytestmark = pytest.mark.django_db


def test_all_32_items_are_loaded_in_seed_order_under_their_features():
    seed = parse_annex()  # [(feature title, [(letter, text), ...]), ...] read from the seed itself
    loaded = list(AnnexItem.objects.select_related("feature").order_by("position"))
    expected = [(title, letter, text) for title, items in seed for letter, text in items]
    assert len(loaded) == 32 == len(expected)
    assert [(norm(i.feature.title), i.letter, norm(i.text)) for i in loaded] == expected
    assert [i.position for i in loaded] == list(range(1, 33))
    assert [i.code for i in loaded][:6] == ["1a", "1b", "1c", "1d", "1e", "2a"]
    assert loaded[-1].code == "9c"


def test_nine_features_carry_their_checklist_prompts_as_guidance():
    features = list(Feature.objects.order_by("number"))
    assert [f.title for f in features] == [f.title for f in FEATURES]
    assert [f.guidance for f in features] == [list(f.guidance) for f in FEATURES]
    assert features[5].guidance[-1] == "Making effective use of the 'outdoor classroom'?"


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_reverses_and_reapplies():
    executor = MigrationExecutor(connection)
    executor.migrate([("selfreview", "0001_schema")])
    assert AnnexItem.objects.count() == 0 and Feature.objects.count() == 0
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("selfreview"))
    assert AnnexItem.objects.count() == 32 and Feature.objects.count() == 9
