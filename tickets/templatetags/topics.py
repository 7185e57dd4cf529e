from django import template
from django.utils.translation import get_language

from tickets.permissions import can_work_inquiry
from tickets.topics import topics_of_box

register = template.Library()


@register.filter
def topic_label(topic) -> str:
    """The topic's name in the language of the page (Indonesian unless the user chose English)."""
    return topic.label(get_language() or "id")


@register.simple_tag
def topic_box(inquiry, user) -> dict:
    """What the topics box of a conversation shows: the offered topics with a tick for the inquiry's, and the
    inquiry's inactive ones apart, in one query (`topics_of_box`: the offered ones and the inquiry's, each marked
    whether the inquiry has it)."""
    topics = topics_of_box(inquiry.pk)
    offered = [topic for topic in topics if topic.is_active]
    mine = [topic for topic in topics if topic.on_inquiry]
    return {
        "choices": [(topic, topic.on_inquiry) for topic in offered],
        "retired": [topic for topic in mine if not topic.is_active],
        "tagged": mine,  # in the topics' order (position, name)
        "may_edit": can_work_inquiry(user, inquiry),
    }
