"""The directory checker: walks a directory file and notes every problem, with its line.

Everything is checked, even after a problem, so that one run lists them all.
The Directory is only built when nothing is wrong, and a directory that loads
can convene a lawful strategy discussion: someone in social care can chair,
and police and health (through the health fallback) can always be invited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

import yaml

from bot.directory.model import Agency, Contact, Directory, Partnership
from bot.directory.nodes import Fields, Nodes, line_of
from bot.directory.partnership import PartnershipReader
from bot.directory.reach import optional_order
from bot.directory.roles import AgencyKind, Role

_ID = re.compile(r"[a-z0-9._-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_TOP_KEYS = ("partnership", "agencies")
_AGENCY_KEYS = ("id", "name", "kind", "contacts", "reach")
_CONTACT_KEYS = (
    "id",
    "name",
    "role",
    "team",
    "email",
    "manager",
    "deputy",
    "chat",
    "reach",
    "shared_mailbox",
)


def _no_chat() -> Mapping[str, str]:
    return MappingProxyType({})


class Checker(Nodes):
    """Reads a whole directory file.

    `platforms` are the chat platforms a contact's `chat:` may name (the keys the
    adapters register); None accepts any platform named like an id.
    """

    def __init__(self, platforms: tuple[str, ...] | None) -> None:
        super().__init__()
        self.platforms = platforms
        self.partnership = PartnershipReader(self)
        self._agency_lines: dict[str, int] = {}
        self._contact_lines: dict[str, int] = {}
        self._chat_owners: dict[tuple[str, str], str] = {}
        self._managers: list[tuple[str, str, yaml.Node]] = []  # (contact, manager, node)
        self._deputies: list[tuple[str, str, yaml.Node]] = []  # (contact, deputy, node)
        self._kinds_seen: set[AgencyKind] = set()
        self._roles_seen: set[Role] = set()  # roles held by some contact, in a matching agency

    # --- the whole file

    def check(self, text: str) -> Directory | None:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            context = f" ({error.context})" if error.context else ""
            self.add(mark.line + 1 if mark else 1, f"YAML syntax error: {error.problem}{context}")
            return None
        except yaml.YAMLError as error:  # e.g. a control character: no line to give
            self.add(1, f"YAML error: {error}")
            return None
        if root is None:
            self.add(1, "the file is empty: it needs 'partnership' and 'agencies'")
            return None
        top = self.fields(root, _TOP_KEYS, "the file")
        if top is None:
            return None
        partnership = None
        if "partnership" in top:
            partnership = self.partnership.read(top["partnership"][1])
        else:
            self.add(root, "the file has no 'partnership' section")
        agencies: list[Agency] = []
        if "agencies" in top:
            key, node = top["agencies"]
            agencies = self._agencies(node)
            self._check_managers()
            if partnership is not None and isinstance(node, yaml.SequenceNode):
                self._check_fallbacks(partnership, key)
                self._check_requirements(key)
        else:
            self.add(root, "the file has no 'agencies' section")
        if self.problems or partnership is None:
            return None
        return Directory(partnership, tuple(agencies))

    # --- agencies and contacts

    def _agencies(self, node: yaml.Node) -> list[Agency]:
        if not isinstance(node, yaml.SequenceNode):
            self.add(node, "agencies must be a list of agencies")
            return []
        agencies = [self._agency(item) for item in node.value]
        return [agency for agency in agencies if agency is not None]

    def _identifier(
        self, fields: Fields, owner: yaml.Node, what: str, seen: dict[str, int]
    ) -> str | None:
        value = self.text(fields, "id", what, owner)
        if value is None:
            return None
        node = fields["id"][1]
        if not _ID.fullmatch(value):
            self.add(node, f"{what} id '{value}' must be lowercase letters, digits, '.', '_', '-'")
            return None
        if value in seen:
            self.add(node, f"duplicate {what} id '{value}' (first on line {seen[value]})")
        else:
            seen[value] = line_of(node)
        return value

    def _agency(self, node: yaml.Node) -> Agency | None:
        fields = self.fields(node, _AGENCY_KEYS, "agency")
        if fields is None:
            return None
        agency_id = self._identifier(fields, node, "agency", self._agency_lines)
        what = f"agency '{agency_id}'" if agency_id else "agency"
        name = self.text(fields, "name", what, node)
        kind = self._agency_kind(fields, what, node)
        reach = optional_order(self, fields, what)
        contacts_node = self.optional(fields, "contacts")
        contacts: list[Contact | None] = []
        if contacts_node is None or contacts_node.value == []:
            at = fields["contacts"][0] if "contacts" in fields else node
            self.add(at, f"{what} has no contacts")
        elif not isinstance(contacts_node, yaml.SequenceNode):
            self.add(contacts_node, f"contacts of {what} must be a list")
        else:
            contacts = [self._contact(item, agency_id, kind) for item in contacts_node.value]
        if agency_id is None or name is None or kind is None:
            return None
        return Agency(agency_id, name, kind, tuple(c for c in contacts if c is not None), reach)

    def _agency_kind(self, fields: Fields, what: str, owner: yaml.Node) -> AgencyKind | None:
        raw = self.text(fields, "kind", what, owner)
        if raw is None:
            return None
        try:
            kind = AgencyKind(raw)
        except ValueError:
            known = ", ".join(AgencyKind)
            self.add(fields["kind"][1], f"unknown agency kind '{raw}' (known: {known})")
            return None
        self._kinds_seen.add(kind)
        return kind

    def _contact(
        self, node: yaml.Node, agency_id: str | None, kind: AgencyKind | None
    ) -> Contact | None:
        fields = self.fields(node, _CONTACT_KEYS, "contact")
        if fields is None:
            return None
        contact_id = self._identifier(fields, node, "contact", self._contact_lines)
        what = f"contact '{contact_id}'" if contact_id else "contact"
        name = self.text(fields, "name", what, node)
        role = self.role(fields, what, node, kind)
        if role is not None:
            self._roles_seen.add(role)
        email = self.text(fields, "email", what, node)
        if email is not None and not _EMAIL.fullmatch(email):
            self.add(fields["email"][1], f"{what} has a malformed email '{email}'")
            email = None
        team = self.text(fields, "team", what, node, required=False)
        manager = self.text(fields, "manager", what, node, required=False)
        if manager is not None and contact_id is not None:
            self._managers.append((contact_id, manager, fields["manager"][1]))
        deputy = self.text(fields, "deputy", what, node, required=False)
        if deputy is not None and contact_id is not None:
            self._deputies.append((contact_id, deputy, fields["deputy"][1]))
        chat = self._chat(fields, what, contact_id)
        reach = optional_order(self, fields, what)
        shared = self.yes_or_no(fields, "shared_mailbox", what)
        if agency_id is None or contact_id is None or name is None or role is None:
            return None
        if email is None or chat is None:
            return None
        return Contact(
            contact_id,
            name,
            role,
            agency_id,
            email,
            team,
            manager,
            chat,
            line=line_of(node),
            reach=reach,
            deputy_id=deputy,
            shared_mailbox=shared,
        )

    def _chat(self, fields: Fields, what: str, contact_id: str | None) -> Mapping[str, str] | None:
        node = self.optional(fields, "chat")
        if node is None:
            return _no_chat()
        allowed = self.platforms
        if allowed is None and isinstance(node, yaml.MappingNode):
            allowed = tuple(
                str(key.value) for key, _ in node.value if _ID.fullmatch(str(key.value))
            )
        platforms = self.fields(node, allowed or (), f"chat of {what}", key_word="chat platform")
        if platforms is None:
            return None
        chat: dict[str, str] = {}
        for platform in platforms:
            chat_id = self.text(platforms, platform, f"chat of {what}", node)
            if chat_id is None:
                continue
            owner = self._chat_owners.setdefault((platform, chat_id), contact_id or "?")
            if owner != (contact_id or "?"):
                self.add(
                    platforms[platform][1],
                    f"{platform} chat id '{chat_id}' is already used by contact '{owner}'",
                )
            chat[platform] = chat_id
        return MappingProxyType(chat)

    # --- checks that need the whole file

    def _check_managers(self) -> None:
        """Every `manager:` and `deputy:` names another contact of the directory."""
        for word, named in (("manager", self._managers), ("deputy", self._deputies)):
            for contact_id, other, node in named:
                if other == contact_id:
                    self.add(node, f"contact '{contact_id}' cannot be their own {word}")
                elif other not in self._contact_lines:
                    self.add(node, f"{word} '{other}' of contact '{contact_id}' is not a contact")

    def _check_fallbacks(self, partnership: Partnership, agencies_key: yaml.Node) -> None:
        for rule in partnership.fallbacks:
            if rule.role in self._roles_seen:
                continue
            role_node = self.partnership.fallback_role_nodes.get(rule.agency_kind)
            if role_node is None:  # the default health fallback
                self.add(
                    agencies_key,
                    f"no {rule.role.label} (role {rule.role}): the {rule.agency_kind.label} "
                    f"fallback needs one so that {rule.agency_kind.label} is always present",
                )
            else:
                self.add(
                    role_node,
                    f"fallback for {rule.agency_kind} names role '{rule.role}' "
                    "but no contact has that role",
                )
        explicit = self.partnership.fallbacks_key is not None
        if explicit and not any(r.agency_kind is AgencyKind.HEALTH for r in partnership.fallbacks):
            assert self.partnership.fallbacks_key is not None
            self.add(
                self.partnership.fallbacks_key,
                "no fallback for health: add one (usually mash_nurse) "
                "so that a health practitioner is always present",
            )

    def _check_requirements(self, agencies_key: yaml.Node) -> None:
        """The minimum for a strategy discussion: social care chairs, police and health attend."""
        if AgencyKind.SOCIAL_CARE not in self._kinds_seen:
            self.add(
                agencies_key,
                "no social_care agency: children's social care convenes every discussion",
            )
        elif Role.TEAM_MANAGER not in self._roles_seen:
            self.add(agencies_key, "no team_manager in social care: nobody can chair a discussion")
        if not any(role.agency_kind is AgencyKind.POLICE for role in self._roles_seen):
            self.add(agencies_key, "no police contact: every discussion needs the police")
