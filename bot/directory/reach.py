"""The `reach:` keys of a directory file: which channels to try for people, in order.

    partnership:
      reach: {order: [teams, email], email_copy_of_invitations: true}
    agencies:
      - id: nv-police
        reach: [email]            # everyone in this agency, unless they say otherwise
        contacts:
          - id: nathan.osei
            reach: [teams, email] # this person only

Each list names channels from REACH_CHANNELS, each at most once. Whether a
channel can reach a given person (an id on that chat platform, say) is the
routing's business (bot/routing.py), not the file's.
"""

from __future__ import annotations

import yaml

from bot.directory.model import DEFAULT_REACH, REACH_CHANNELS
from bot.directory.nodes import Fields, Nodes

_PARTNERSHIP_REACH_KEYS = ("order", "email_copy_of_invitations")
_EXAMPLE = "reach: [teams, email]"


def read_order(nodes: Nodes, node: yaml.Node, what: str) -> tuple[str, ...] | None:
    """A list of channel names, in order; None (noted) when it is not one."""
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        nodes.add(node, f"reach of {what} must be a list of channels, e.g. {_EXAMPLE}")
        return None
    order: list[str] = []
    for item in node.value:
        name = str(item.value).strip() if isinstance(item, yaml.ScalarNode) else ""
        if name not in REACH_CHANNELS:
            known = ", ".join(REACH_CHANNELS)
            shown = f"'{name}'" if name else "this entry"
            nodes.add(item, f"unknown channel {shown} in reach of {what} (known: {known})")
            return None
        if name in order:
            nodes.add(item, f"channel '{name}' is listed twice in reach of {what}")
            return None
        order.append(name)
    return tuple(order)


def optional_order(nodes: Nodes, fields: Fields, what: str) -> tuple[str, ...] | None:
    """An agency's or a contact's `reach:` list, or None when it has none."""
    node = nodes.optional(fields, "reach")
    return None if node is None else read_order(nodes, node, what)


def partnership_reach(nodes: Nodes, fields: Fields) -> tuple[tuple[str, ...], bool]:
    """The partnership's order and whether invitations are also emailed (defaults when absent)."""
    node = nodes.optional(fields, "reach")
    if node is None:
        return DEFAULT_REACH, False
    reach = nodes.fields(node, _PARTNERSHIP_REACH_KEYS, "partnership reach")
    if reach is None:
        return DEFAULT_REACH, False
    order_node = nodes.optional(reach, "order")
    order = (
        DEFAULT_REACH if order_node is None else read_order(nodes, order_node, "the partnership")
    )
    copy_node = nodes.optional(reach, "email_copy_of_invitations")
    copy = False if copy_node is None else nodes.value(copy_node)
    if not isinstance(copy, bool):
        nodes.add(copy_node or node, "email_copy_of_invitations must be true or false")
        copy = False
    return order or DEFAULT_REACH, copy
