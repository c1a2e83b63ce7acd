"""Load the nine features and the 32 annex items of seed 001 (``selfreview.annex``), in annex order."""

from django.db import migrations


def load_annex(apps, schema_editor):
    from selfreview.annex import all_items, FEATURES, item_code

    Feature = apps.get_model("selfreview", "Feature")
    AnnexItem = apps.get_model("selfreview", "AnnexItem")
    by_number = {}
    for feature in FEATURES:
        by_number[feature.number], _ = Feature.objects.update_or_create(
            number=feature.number,
            defaults={"slug": feature.slug, "title": feature.title, "guidance": list(feature.guidance)},
        )
    for position, (feature, item) in enumerate(all_items(), start=1):
        AnnexItem.objects.update_or_create(
            code=item_code(feature, item),
            defaults={
                "feature": by_number[feature.number],
                "letter": item.letter,
                "text": item.text,
                "position": position,
            },
        )


def unload_annex(apps, schema_editor):
    apps.get_model("selfreview", "AnnexItem").objects.all().delete()
    apps.get_model("selfreview", "Feature").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("selfreview", "0001_schema")]

    operations = [migrations.RunPython(load_annex, unload_annex)]
