"""Platform adapters: one module per platform behind the ``Adapter`` protocol.

``get_adapter("whatsapp")`` returns the registered instance. Adapters verify, parse and send; they
never touch the database (see ``base`` for the shared data classes and errors). Each declares what its
platform is (label, reply window, required credentials, API base-URL setting, webhook or not, text limit):
adding a platform is one module here (it ends with ``adapter = TheAdapter()``; ``_discover`` registers it), with
its fixtures and tests.
"""

import importlib
import pkgutil

from .base import (
    Adapter,
    AdapterRegistry,
    Attachment,
    Choice,
    Credentials,
    HandshakeResponse,
    InboundMessage,
    ParseResult,
    PayloadError,
    PermanentSendError,
    Registry,
    ReplyWindow,
    ReplyWindowRule,
    SendError,
    SendResult,
    TransientSendError,
    reply_window,
    split_text,
)
from .meta import MetaAdapter
from .telegram import TelegramAdapter
from .webchat import WebchatAdapter
from .whatsapp import WhatsAppAdapter
from .x import XAdapter

registry = AdapterRegistry()


def _discover() -> None:
    """Register the ``adapter`` of every module in this package (a new platform is one new module)."""
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        adapter = getattr(module, "adapter", None)
        if adapter is None:
            raise ImportError(f"{module.__name__} defines no `adapter` instance to register")
        registry.register(adapter.kind, adapter)


_discover()


def get_adapter(kind: str) -> Adapter:
    """The registered adapter for ``kind``; KeyError naming the known kinds otherwise."""
    return registry.get(kind)


def kinds() -> list[str]:
    """Every account kind, sorted."""
    return registry.kinds()


def webhook_kinds() -> list[str]:
    """The kinds whose platform posts to /intake/<kind>/<slug>/webhook/."""
    return [adapter.kind for adapter in registry.values() if adapter.receives_webhooks]


def channel_label(channel: str) -> str:
    """What a person calls a (sub-)channel: the adapter's label, or for one of several sub-channels of an
    account kind (Meta's Messenger and Instagram) its own name. An untranslated msgid; "" when unknown."""
    for adapter in registry.values():
        if channel in adapter.channels:
            return adapter.label if len(adapter.channels) == 1 else channel.title()
        if channel == adapter.kind:
            return adapter.label
    return ""


def sub_channels() -> list[str]:
    """Every sub-channel a message can carry (messenger, instagram, whatsapp...), in registry order."""
    return [channel for adapter in registry.values() for channel in adapter.channels]


__all__ = [
    "Adapter",
    "AdapterRegistry",
    "Attachment",
    "Choice",
    "Credentials",
    "HandshakeResponse",
    "InboundMessage",
    "MetaAdapter",
    "ParseResult",
    "PayloadError",
    "PermanentSendError",
    "Registry",
    "ReplyWindow",
    "ReplyWindowRule",
    "SendError",
    "SendResult",
    "TelegramAdapter",
    "TransientSendError",
    "WebchatAdapter",
    "WhatsAppAdapter",
    "XAdapter",
    "channel_label",
    "get_adapter",
    "kinds",
    "sub_channels",
    "webhook_kinds",
    "registry",
    "reply_window",
    "split_text",
]
