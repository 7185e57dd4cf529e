from django import template
from django.utils.translation import get_language

from tickets.permissions import can_work_inquiry
from tickets.topics import topics_offered

register = template.Library()


@register.filter
def topic_label(topic) -> str:
    """The topic's name in the language of the page (Indonesian unless the user chose English)."""
    return topic.label(get_language() or "id")


@register.simple_tag
def topic_box(inquiry, user) -> dict:
    """What the topics box of a conversation shows: the offered topics with a tick for the inquiry's, and the
    inquiry's inactive ones apart (two queries)."""
    mine = {topic.pk: topic for topic in inquiry.topics.all()}
    offered = list(topics_offered())
    offered_ids = {topic.pk for topic in offered}
    return {
        "choices": [(topic, topic.pk in mine) for topic in offered],
        "retired": [topic for pk, topic in mine.items() if pk not in offered_ids],
        "tagged": sorted(mine.values(), key=lambda t: (t.position, t.name)),
        "may_edit": can_work_inquiry(user, inquiry),
    }
