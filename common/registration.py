"""One slot for the implementation an upper layer registers with a lower one at start-up.

A lower layer defines a Protocol and a ``Slot``; the app above registers its implementation in its
``AppConfig.ready``. The lower layer then calls up through the slot, never by importing the app above.
"""

from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


class Slot(Generic[T]):
    def __init__(self, what: str, *, hint: str) -> None:
        self.what = what
        self.hint = hint
        self.item: T | None = None

    def register(self, item: T) -> None:
        """Fill the slot; registering the same object again is a no-op, another one is refused."""
        if self.item is not None and self.item is not item:
            raise ImproperlyConfigured(f"a {self.what} is already registered ({self.item!r})")
        self.item = item

    def get(self) -> T:
        if self.item is None:
            raise ImproperlyConfigured(f"No {self.what} registered ({self.hint})")
        return self.item
