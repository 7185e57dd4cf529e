from django import template

from supervision.access import is_supervisor as _is_supervisor

register = template.Library()


@register.filter
def is_supervisor(user) -> bool:
    """Whether the navigation offers the supervisors' pages (``supervision.access.is_supervisor``)."""
    return _is_supervisor(user)
