"""``manage.py publish_outbox``: send every background task still waiting in the outbox, now.

The same sweep beat runs every minute (``schoolpl.tasks.publish_outbox``); an operator runs this by hand
after a broker outage rather than wait for the next beat, or where beat is not running.
"""

from django.core.management.base import BaseCommand

from schoolpl.outbox import pending, publish_pending


class Command(BaseCommand):
    help = "Publish the background tasks waiting in the outbox (the sweep beat runs every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Most tasks to send in this run.")

    def handle(self, *args, limit: int, **options):
        sent = publish_pending(limit=limit)
        waiting = pending().count()
        self.stdout.write(f"Published {sent} task(s); {waiting} still waiting.")
