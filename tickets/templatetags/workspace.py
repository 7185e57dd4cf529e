from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
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


def sla_badge_html(badge, tick=None) -> SafeString:
    """The countdown badge of one inquiry (sla.selectors.SlaBadge) and the working seconds the browser counts
    down from (`tick`, None when nothing ticks): built here rather than by a template, as every row of the inbox
    draws one (tickets/_sla_badge.html is this tag, for the pages that include it)."""
    state = badge.state
    ticks = format_html(' data-sla-seconds="{}"', tick) if tick is not None and state != "paused" else ""
    if state == "paused":
        html = format_html('<span class="sla sla-paused" title="{}">⏸ {}</span>', badge.reason_label, gettext("paused"))
    elif state == "breached":
        html = format_html(
            '<span class="sla sla-breached" title="{}"{}>{}</span>', badge.reason_label, ticks, badge.overdue_label
        )
    elif state in ("running", "at_risk"):
        html = format_html(
            '<span class="sla sla-{}" title="{}"{}>{}</span>', state, badge.reason_label, ticks, badge.left_label
        )
    elif state == "met":
        html = format_html('<span class="sla sla-met">✓ {}</span>', gettext("met"))
    elif state == "cancelled":
        html = format_html('<span class="sla">{}</span>', gettext("not counted"))
    else:
        html = "—"
    parts = [html]
    if badge.due and state != "met":
        due = timezone.localtime(badge.due)  # in the zone the page is drawn in, as the date filter shows it
        parts.append(
            format_html(
                ' <time class="due" datetime="{}">{}</time>', date_format(due, "c"), date_format(due, "D d M H:i")
            )
        )
    if badge.reason == "late":
        parts.append(format_html(' <span class="tag">{}</span>', gettext("late arrival")))
    elif badge.reason == "escalated":
        parts.append(format_html(' <span class="tag">{}</span>', gettext("escalated")))
    return mark_safe("".join(parts))  # noqa: S308 - every part is built by format_html (escaped) or constant


@register.simple_tag(takes_context=True)
def sla_badge(context, badge):
    """``{% sla_badge badge %}``: the badge, with the context's `tick` (the inbox rows') when there is one."""
    tick = context.get("tick")
    return sla_badge_html(badge, tick if isinstance(tick, int) else None)


@register.filter
def plain_select(bound_field) -> SafeString:
    """A bound choice field's <select> as Django's Select widget draws it (the bound value's option selected,
    the empty value's when there is none, aria-invalid on an error), in one format call instead of a template
    per option: the inbox's filters drew three selects of some 25 options on every page and refresh."""
    value = bound_field.value()
    chosen = "" if value is None else str(value)
    selected = mark_safe(" selected")  # noqa: S308 - a constant
    choices = bound_field.field.choices
    options = format_html_join(
        "\n  ", '<option value="{}"{}>{}</option>', ((k, selected if str(k) == chosen else "", v) for k, v in choices)
    )
    invalid = mark_safe(' aria-invalid="true"') if bound_field.errors else ""  # noqa: S308 - a constant
    return format_html(
        '<select name="{}" id="{}"{}>\n  {}\n</select>', bound_field.html_name, bound_field.auto_id, invalid, options
    )
