"""factory_boy factories for the models the tests need."""

from datetime import UTC, time

import factory
from django.contrib.auth import get_user_model

from channels_intake.models import ChannelAccount
from offices.models import Office, Role, StaffProfile, Typology, WeeklyHours
from sla.services import recompute_running_targets
from tickets.models import Inquiry, Message, Requester, TargetStatus

DEFAULT_HOURS = {
    0: (time(7, 30), time(16)),
    1: (time(7, 30), time(16)),
    2: (time(7, 30), time(16)),
    3: (time(7, 30), time(16)),
    4: (time(7, 30), time(16, 30)),
}


class TypologyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Typology
        django_get_or_create = ("name",)

    name = "KPPBC TMP B"
    officer_limit = 3


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"{100100 + n:06d}")
    name = factory.LazyAttribute(lambda o: f"KPPBC {o.code}")
    typology = factory.SubFactory(TypologyFactory)
    timezone = "Asia/Jakarta"

    @factory.post_generation
    def hours(obj, create, extracted, **kwargs):
        if not create:
            return
        hours = DEFAULT_HOURS if extracted is None else extracted
        WeeklyHours.objects.bulk_create(
            WeeklyHours(office=obj, weekday=day, start=start, end=end) for day, (start, end) in hours.items()
        )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-test-12345")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    role = Role.OFFICER


class ChannelAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelAccount

    office = factory.SubFactory(OfficeFactory)
    kind = "webchat"
    slug = factory.Sequence(lambda n: f"acct-{n}")
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    secret = "s3cret-app-secret"
    verify_token = "verify-me"
    access_token = "token-abc"


class RequesterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requester

    account = factory.SubFactory(ChannelAccountFactory)
    external_id = factory.Sequence(lambda n: f"psid-{n}")
    display_name = factory.Sequence(lambda n: f"Requester {n}")


class InquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inquiry

    account = factory.SubFactory(ChannelAccountFactory)
    office = factory.LazyAttribute(lambda o: o.account.office)
    requester = factory.SubFactory(RequesterFactory, account=factory.SelfAttribute("..account"))
    received_at = factory.Faker("date_time_this_month", tzinfo=UTC)
    preview = "Pertanyaan tentang barang kiriman"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    inquiry = factory.SubFactory(InquiryFactory)
    direction = Message.Direction.INBOUND
    text = "Halo"


def running_inquiry(account, received):
    """An open inquiry whose response target runs, with its deadlines computed from the office's calendar."""
    inquiry = InquiryFactory(account=account, received_at=received, response_status=TargetStatus.RUNNING)
    recompute_running_targets(office_ids=[account.office_id])
    inquiry.refresh_from_db()
    return inquiry


def response_due(inquiry):
    """The inquiry's response due time as stored now."""
    inquiry.refresh_from_db()
    return inquiry.response_due


def pending_event(account, *, sender: str, key: str, text: str = "Halo", recipient: str = "bot"):
    """An accepted text message of ``account``'s platform waiting in the inbound log, as a webhook logs it."""
    from channels_intake.models import InboundEvent

    message = {
        "channel": {"meta": "messenger"}.get(account.kind, account.kind),
        "sender_id": sender,
        "dedupe_key": key,
        "text": text,
        "sender_name": "",
        "attachments": [],
        "sent_at": None,
        "recipient_id": recipient,
    }
    return InboundEvent.objects.create(account=account, dedupe_key=key, message=message)
