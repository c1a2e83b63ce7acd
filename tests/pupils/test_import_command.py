"""``manage.py import_pupils FILE [--school] [--dry-run]``."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pupils.models import Pupil

SIMS = Path(__file__).parent / "fixtures" / "pupils_sims.csv"


def test_dry_run_reports_and_saves_nothing(school, capsys):
    call_command("import_pupils", str(SIMS), school=school.urn, dry_run=True)
    assert "would add 4" in capsys.readouterr().out
    assert not Pupil.objects.exists()


def test_import_then_reimport_changes_nothing(school, capsys):
    call_command("import_pupils", str(SIMS), school=school.dfe_number)
    assert Pupil.objects.filter(school=school).count() == 4
    call_command("import_pupils", str(SIMS), school=str(school.pk))
    assert "0 added, 0 updated, 4 unchanged" in capsys.readouterr().out


def test_a_bad_file_lists_problems_and_imports_nothing(school, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(SIMS.read_text().replace("T801210317012", "T801210317013"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_pupils", str(bad), school=school.urn)
    assert "Row 2, column 'UPN'" in capsys.readouterr().err
    assert not Pupil.objects.exists()


def test_an_unknown_school_is_an_error(school):
    with pytest.raises(CommandError, match="No school"):
        call_command("import_pupils", str(SIMS), school="000000")
