"""python manage.py audit_verify: recompute the audit log's hash chain; exit 0 when it holds, 1 naming the first
broken row otherwise. ``--seal`` first seals the rows written since the sealer last ran."""

from django.core.management.base import BaseCommand, CommandError

from audit.chain import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (exit status 0 when it holds, 1 naming the first broken row)."

    def add_arguments(self, parser):
        parser.add_argument("--seal", action="store_true", help="Seal the rows not yet in the chain first.")

    def handle(self, *args, **options):
        if options["seal"]:
            self.stdout.write(f"sealed {audit_seal()} row(s)")
        verdict = audit_verify()
        if not verdict.ok:
            raise CommandError(
                f"audit chain BROKEN at position {verdict.broken_seq} (audit event id {verdict.broken_id}): "
                f"{verdict.reason}; {verdict.checked} row(s) before it hold",
                returncode=1,
            )
        self.stdout.write(
            f"audit chain holds: {verdict.checked} sealed row(s), head {verdict.head}; "
            f"{verdict.unsealed} row(s) not sealed yet"
        )
