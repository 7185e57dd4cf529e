"""Platform adapters: one module per platform behind the ``Adapter`` protocol.

``get_adapter("whatsapp")`` returns the registered instance. Adapters verify, parse and send; they
never touch the database (see ``base`` for the shared data classes and errors).
"""

from .base import (
    Adapter,
    Attachment,
    Credentials,
    HandshakeResponse,
    InboundMessage,
    ParseResult,
    PayloadError,
    PermanentSendError,
    Registry,
    SendError,
    SendResult,
    TransientSendError,
    split_text,
)
from .meta import MetaAdapter
from .telegram import TelegramAdapter
from .webchat import WebchatAdapter
from .whatsapp import WhatsAppAdapter
from .x import XAdapter

registry: Registry[Adapter] = Registry()
for _adapter in (MetaAdapter(), WhatsAppAdapter(), TelegramAdapter(), XAdapter(), WebchatAdapter()):
    registry.register(_adapter.kind, _adapter)
del _adapter


def get_adapter(kind: str) -> Adapter:
    """The registered adapter for ``kind``; KeyError naming the known kinds otherwise."""
    return registry.get(kind)


__all__ = [
    "Adapter",
    "Attachment",
    "Credentials",
    "HandshakeResponse",
    "InboundMessage",
    "MetaAdapter",
    "ParseResult",
    "PayloadError",
    "PermanentSendError",
    "Registry",
    "SendError",
    "SendResult",
    "TelegramAdapter",
    "TransientSendError",
    "WebchatAdapter",
    "WhatsAppAdapter",
    "XAdapter",
    "get_adapter",
    "registry",
    "split_text",
]
