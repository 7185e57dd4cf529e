from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from channels_intake.accounts import channel_account_create
from channels_intake.adapters import get_adapter, kinds
from channels_intake.checks import missing_credentials
from offices.models import Office


class Command(BaseCommand):
    help = "Create a channel account of an office (secrets are never printed back)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=kinds())
        parser.add_argument("--office", required=True, help="Office code (6 digits)")
        parser.add_argument("--slug", required=True, help="Part of the webhook URL: /intake/<kind>/<slug>/webhook/")
        parser.add_argument("--secret", default="", help="Meta app secret, X consumer secret or Telegram token")
        parser.add_argument("--verify-token", default="", help="Meta/WhatsApp webhook verify token")
        parser.add_argument("--access-token", default="", help="Page / WhatsApp / bot / X access token")
        parser.add_argument(
            "--external-id", default="", help="Page or Instagram id, phone-number id, X user id or bot name"
        )
        parser.add_argument("--name", default="")

    def handle(self, *args, **options):
        office = Office.objects.filter(code=options["office"]).first()
        if office is None:
            raise CommandError(f"No office with code {options['office']}.")
        try:
            account = channel_account_create(
                office=office,
                kind=options["kind"],
                slug=options["slug"],
                name=options["name"],
                secret=options["secret"],
                verify_token=options["verify_token"],
                access_token=options["access_token"],
                external_id=options["external_id"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        url = f"/intake/{account.kind}/{account.slug}/webhook/"
        self.stdout.write(self.style.SUCCESS(f"Created {account.kind} account {account.slug} for {office}."))
        if get_adapter(account.kind).receives_webhooks:
            self.stdout.write(f"Webhook URL: {url}")
        missing = missing_credentials(account)
        if missing:
            self.stdout.write(self.style.WARNING(f"Still missing for this kind: {', '.join(missing)}"))
