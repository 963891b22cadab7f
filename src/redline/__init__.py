"""redline — keeps a Tmall/Taobao shop's customer service inside the platform's red lines.

The one entry point every caller uses::

    from redline import Guard, Conversation

    guard = Guard.default()                      # bundled rule packs (+ your own dirs)
    findings = guard.check(Conversation.from_dict(json_obj))
    findings = guard.check_text("亲，特价商品不开发票哦")   # pre-send check of one reply
"""

from redline.guard.engine import Guard
from redline.guard.packs import RuleSet, load_rules
from redline.model import Conversation, ConversationError, Finding, Message, Order, Shop
from redline.yamlsrc import PackError

__version__ = "0.1.0"

__all__ = [
    "Conversation",
    "ConversationError",
    "Finding",
    "Guard",
    "Message",
    "Order",
    "PackError",
    "RuleSet",
    "Shop",
    "__version__",
    "load_rules",
]
