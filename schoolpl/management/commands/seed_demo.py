"""``manage.py seed_demo``: build a deterministic, realistic demo school and print the logins."""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from schoolpl.demo import DEMO_PASSWORD, DEMO_URN, DemoContext
from schoolpl.discovery import app_modules
from schoolpl.models import School


class Command(BaseCommand):
    help = "Load a realistic demo school (deterministic for a given --seed) and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--pupils", type=int, default=600, help="Pupils in the main school (default 600).")
        parser.add_argument("--seed", type=int, default=2008, help="Random seed (default 2008).")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any school exists already.")

    def handle(self, *args, pupils: int, seed: int, if_empty: bool, **options):
        if pupils < 30:
            raise CommandError("--pupils must be at least 30 (one small class per year group).")
        if School.objects.exists():
            if if_empty:
                self.stdout.write("The database already has a school; the demo was not loaded again.")
                self._print_logins(None)
                return
            if School.objects.filter(urn=DEMO_URN).exists():
                raise CommandError("The demo school is already loaded. Use a fresh database to load it again.")
        started = time.monotonic()
        ctx = DemoContext(rng=random.Random(seed), pupils=pupils, today=timezone.localdate(), stdout=self.stdout)
        self.stdout.write(f"Building the demo school ({pupils} pupils, seed {seed})…")
        with transaction.atomic():
            for module in app_modules("demo"):
                module.build(ctx)
        self.stdout.write(self.style.SUCCESS(f"Demo school ready in {time.monotonic() - started:.1f}s."))
        self._print_logins(ctx)

    def _print_logins(self, ctx: DemoContext | None) -> None:
        rows = ctx.logins if ctx else [row for module in app_modules("demo") for row in getattr(module, "LOGINS", [])]
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for label, username, sees in rows:
            self.stdout.write(f"  {username:<8} {label}{' — ' + sees if sees else ''}")
        self.stdout.write("")
