from django import template
from django.utils.translation import gettext

from channels_intake.adapters import channel_label

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def channel_name(channel: str) -> str:
    """``messenger`` → Messenger, ``webchat`` → Obrolan web / Web chat: the name, never the code."""
    label = channel_label(channel or "")
    return gettext(label) if label else channel


@register.filter
def person(user) -> str:
    """A staff member as colleagues know them: the full name, else the username; "" for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
