"""Identifiers masked in templates: ``{{ text|masked }}``, and who may reveal a message in full."""

from django import template

from tickets import masking

register = template.Library()


@register.filter
def masked(text) -> str:
    """``text`` with every identifier masked (all but the last four characters)."""
    return masking.masked(str(text) if text is not None else "")


@register.filter
def has_identifiers(text) -> bool:
    return masking.has_identifiers(str(text) if text is not None else "")


@register.filter
def revealable_by(inquiry, user) -> bool:
    """``{% if inquiry|revealable_by:request.user %}``: an officer of the inquiry's office."""
    return user is not None and inquiry is not None and masking.can_reveal(user, inquiry)
