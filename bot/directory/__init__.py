"""The partner directory: one partnership's rules, its agencies and the people to invite.

- `roles`: the role catalogue (kinds of agency, the roles in each, their names).
- `model`: the Directory the core uses (partnership, agencies, contacts, fallbacks).
- `loader`: loading a YAML file, with every problem and its line (`checker`,
  `partnership` and `nodes` do the checking).
"""

from bot.directory.loader import (
    DirectoryError,
    check_directory,
    load_directory,
    sample_directory_path,
)
from bot.directory.model import (
    DEFAULT_FALLBACKS,
    Agency,
    Contact,
    Directory,
    FallbackRule,
    Partnership,
)
from bot.directory.nodes import Problem
from bot.directory.roles import AgencyKind, Role

__all__ = [
    "DEFAULT_FALLBACKS",
    "Agency",
    "AgencyKind",
    "Contact",
    "Directory",
    "DirectoryError",
    "FallbackRule",
    "Partnership",
    "Problem",
    "Role",
    "check_directory",
    "load_directory",
    "sample_directory_path",
]
