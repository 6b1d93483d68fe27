"""The partner directory: loading, every validation rule (with its line), lookups and the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli_directory import check_command
from bot.directory import (
    AgencyKind,
    Contact,
    Directory,
    DirectoryError,
    FallbackRule,
    Problem,
    Role,
    check_directory,
    load_directory,
    sample_directory_path,
)
from handlers.platforms import PLATFORM_KEYS
from scheduling.rules import ConcernCategory, Region

FIXTURES = Path(__file__).parent / "data" / "directories"
MINIMAL = FIXTURES / "minimal.yaml"


@pytest.fixture(scope="module")
def sample() -> Directory:
    return load_directory()


def problems_of(path: Path) -> list[tuple[int, str]]:
    """The problems `strategy-bot directory check` reports: with the adapters' platforms."""
    return [(p.line, p.message) for p in check_directory(path, PLATFORM_KEYS)]


def assert_problems(path: Path, expected: list[tuple[int, str]]) -> None:
    """Exactly these problems, in this order: each message must contain its substring."""
    found = problems_of(path)
    assert [line for line, _ in found] == [line for line, _ in expected], found
    for (_, message), (_, part) in zip(found, expected, strict=True):
        assert part in message


def minimal_with(tmp_path: Path, old: str, new: str) -> Path:
    """The minimal fixture with one edit, so each problem is the only one in its file."""
    text = MINIMAL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "directory.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "directory.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the bundled sample


def test_sample_checks_clean_and_loads(sample: Directory) -> None:
    assert check_directory(sample_directory_path(), PLATFORM_KEYS) == []
    assert sample.partnership.name == "Northvale Safeguarding Children Partnership"
    assert len(sample.agencies) == 7
    assert {a.kind for a in sample.agencies} == set(AgencyKind)


def test_sample_partnership_settings(sample: Directory) -> None:
    partnership = sample.partnership
    assert partnership.calendar.region is Region.ENGLAND_WALES
    assert partnership.calendar.timezone == "Europe/London"
    assert partnership.calendar.working_hours.start.hour == 9
    assert partnership.calendar.closure_days == frozenset()  # national defaults
    assert partnership.timescales.days_for(ConcernCategory.STANDARD) == 3
    assert partnership.is_case_reference(partnership.case_reference_example)
    assert not partnership.is_case_reference("NV-40213 extra")


def test_sample_is_synthetic_and_reachable_on_every_platform(sample: Directory) -> None:
    assert "synthetic" in sample_directory_path().read_text(encoding="utf-8").lower()
    for contact in sample.contacts():
        assert contact.email.endswith(".example"), contact.id
        assert contact.chat_id("console") == contact.id
        # The neighbouring force's officer and the shared maternity inbox: email only.
        if contact.id in ("owen.hughes", "maternity.safeguarding"):
            assert set(contact.chat) == {"console"}
            continue
        assert re.fullmatch(r"U[A-Z0-9]{10}", contact.chat_id("slack") or ""), contact.id
        assert (contact.chat_id("teams") or "").startswith("29:"), contact.id


def test_sample_has_the_roles_the_brief_lists(sample: Directory) -> None:
    counts = {role: len(sample.by_role(role)) for role in Role}
    assert counts[Role.TEAM_MANAGER] == 2
    assert len({c.team for c in sample.by_role(Role.TEAM_MANAGER)}) == 2
    assert counts[Role.SOCIAL_WORKER] == 3
    assert all(sample.manager_of(c) for c in sample.by_role(Role.SOCIAL_WORKER))
    assert counts[Role.CHILD_ABUSE_INVESTIGATION] == 3  # one in the neighbouring force
    assert counts[Role.MASH_NURSE] == 2
    assert counts[Role.HEALTH_VISITOR] == counts[Role.SCHOOL_NURSE] == counts[Role.GP] == 2
    schools = {c.team for c in sample.by_role(Role.DESIGNATED_SAFEGUARDING_LEAD)}
    assert len(schools) == 2
    for role in (Role.LADO, Role.MISSING_PERSONS, Role.MIDWIFE, Role.PROBATION_OFFICER):
        assert counts[role] >= 1


def test_load_directory_none_is_the_sample(sample: Directory) -> None:
    assert load_directory(sample_directory_path()) == sample


# --- roles and contacts


def test_every_role_has_a_kind_and_a_label() -> None:
    for role in Role:
        assert role in Role.for_kind(role.agency_kind)
        assert role.label and role.label[0].isupper()
    assert Role.MASH_NURSE.label == "MASH nurse"
    assert Role.HEALTH_VISITOR.label == "Health visitor"
    assert Role.MASH_NURSE.agency_kind is AgencyKind.HEALTH
    assert Role.MASH_POLICE.agency_kind is AgencyKind.POLICE
    assert Role.for_kind(AgencyKind.EDUCATION) == [
        Role.DESIGNATED_SAFEGUARDING_LEAD,
        Role.NURSERY,
    ]


def test_contact_properties(sample: Directory) -> None:
    manager, worker, lado = (sample.contact(i) for i in ("asha.patel", "ben.okafor", "fiona.grant"))
    assert manager and worker and lado
    assert manager.is_convenor and manager.can_chair
    assert worker.is_convenor and not worker.can_chair
    assert not lado.is_convenor and not lado.can_chair
    assert worker.chat_id("teams") == "29:1ben-okafor"
    assert worker.chat_id("irc") is None
    assert worker.line > 0
    assert len({manager, worker, lado}) == 3  # contacts are hashable


# --- lookups


@pytest.mark.parametrize(
    "text",
    ["ben.okafor", "BEN.OKAFOR", "Ben Okafor", "ben okafor", "Ben.Okafor@Northvale.gov.example"],
)
def test_find_by_id_name_or_email_ignoring_case(sample: Directory, text: str) -> None:
    found = sample.find(f"  {text} ")
    assert found is not None and found.id == "ben.okafor"


def test_find_accepts_a_mention_and_misses_cleanly(sample: Directory) -> None:
    found = sample.find("@ben.okafor")
    assert found is not None and found.id == "ben.okafor"
    assert sample.find("nobody") is None
    assert sample.find("") is None
    assert sample.find("Ben") is None  # no partial matches


def test_contacts_and_by_role_keep_file_order(sample: Directory) -> None:
    assert [c.id for c in sample.contacts()][:3] == ["asha.patel", "marcus.reid", "ben.okafor"]
    assert [c.id for c in sample.by_role(Role.MASH_NURSE)] == ["zoe.fletcher", "amir.hassan"]
    assert [c.id for c in sample.by_role(Role.SOCIAL_WORKER)] == [
        "ben.okafor",
        "chloe.dawson",
        "daniel.mensah",
    ]
    assert sample.by_role(Role.OTHER_PRACTITIONER) == []


def test_contact_and_by_chat_id(sample: Directory) -> None:
    assert sample.contact("nobody") is None
    by_slack = sample.by_chat_id("slack", "U0NVAP10001")
    assert by_slack is not None and by_slack.id == "asha.patel"
    by_teams = sample.by_chat_id("teams", "29:1zoe-fletcher")
    assert by_teams is not None and by_teams.id == "zoe.fletcher"
    by_console = sample.by_chat_id("console", "nathan.osei")
    assert by_console is not None and by_console.role is Role.MASH_POLICE
    assert sample.by_chat_id("slack", "asha.patel") is None
    assert sample.by_chat_id("irc", "asha.patel") is None


def test_agencies_colleagues_and_managers(sample: Directory) -> None:
    worker = sample.contact("daniel.mensah")
    assert worker is not None
    agency = sample.agency_of(worker)
    assert agency is sample.agency("nv-csc") and agency.kind is AgencyKind.SOCIAL_CARE
    colleagues = sample.colleagues(worker)
    assert worker not in colleagues
    assert [c.id for c in colleagues] == [c.id for c in agency.contacts if c.id != worker.id]
    manager = sample.manager_of(worker)
    assert manager is not None and manager.id == "marcus.reid"
    assert sample.manager_of(manager) is None
    with pytest.raises(KeyError):
        sample.agency("nv-nowhere")


def test_fallbacks_from_the_file(sample: Directory) -> None:
    assert sample.fallback_for(AgencyKind.HEALTH) == FallbackRule(
        AgencyKind.HEALTH, Role.MASH_NURSE, 60, 60
    )
    police = sample.fallback_for(AgencyKind.POLICE)
    assert police is not None and police.role is Role.MASH_POLICE
    assert sample.fallback_for(AgencyKind.EDUCATION) is None


def test_default_fallback_is_the_mash_nurse() -> None:
    directory = load_directory(MINIMAL)
    assert directory.partnership.fallbacks == (FallbackRule(AgencyKind.HEALTH, Role.MASH_NURSE),)
    rule = directory.fallback_for(AgencyKind.HEALTH)
    assert rule is not None
    assert (rule.cutoff_minutes, rule.latest_before_meeting_minutes) == (60, 60)
    assert directory.fallback_for(AgencyKind.POLICE) is None


def test_a_deputy_is_read_and_found(tmp_path: Path) -> None:
    path = minimal_with(
        tmp_path, "role: team_manager, email", "role: team_manager, deputy: sw.one, email"
    )
    directory = load_directory(path)
    chair = directory.contact("tm.one")
    assert chair is not None and chair.deputy_id == "sw.one"
    assert directory.deputy_of(chair) == directory.contact("sw.one")
    worker = directory.contact("sw.one")
    assert worker is not None and directory.deputy_of(worker) is None


def test_a_shared_mailbox_is_read_and_checked(tmp_path: Path) -> None:
    path = minimal_with(
        tmp_path, "role: team_manager, email", "role: team_manager, shared_mailbox: true, email"
    )
    directory = load_directory(path)
    inbox, worker = directory.contact("tm.one"), directory.contact("sw.one")
    assert inbox is not None and inbox.shared_mailbox
    assert worker is not None and not worker.shared_mailbox  # absent: not shared
    wrong = minimal_with(
        tmp_path, "role: team_manager, email", "role: team_manager, shared_mailbox: maybe, email"
    )
    found = [m for _, m in problems_of(wrong)]
    assert any("shared_mailbox of contact 'tm.one' must be true or false" in m for m in found)
    sample = load_directory()
    assert [c.id for c in sample.contacts() if c.shared_mailbox] == ["maternity.safeguarding"]


def test_the_sample_directory_names_a_deputy() -> None:
    directory = load_directory()
    assert any(directory.deputy_of(c) is not None for c in directory.contacts())


def test_minimal_defaults() -> None:
    partnership = load_directory(MINIMAL).partnership
    assert partnership.calendar.region is Region.ENGLAND_WALES
    assert partnership.calendar.timezone == "Europe/London"
    assert partnership.calendar.closure_days == frozenset()
    assert partnership.is_case_reference("ABC-1234")
    assert partnership.is_case_reference(partnership.case_reference_example)


# --- validation: whole fixture files, every problem with its line


def test_agency_and_contact_rules() -> None:
    assert_problems(
        FIXTURES / "bad_contacts.yaml",
        [
            (4, "unknown key 'colour' in partnership"),
            (9, "unknown key 'budget' in agency"),
            (12, "manager 'no.body' of contact 'sw.one' is not a contact"),
            (13, "unknown key 'phone' in contact"),
            (14, "duplicate contact id 'tm.one' (first on line 11)"),
            (15, "contact id 'Bad Id' must be lowercase"),
            (16, "contact 'no.email' has no email"),
            (17, "malformed email 'bea-at-testvale.example'"),
            (18, "unknown role 'wizard' for contact 'sw.three' (roles for kind social_care: "),
            (19, "unknown chat platform 'pager'"),
            (20, "slack chat id 'U0TV0000001' is already used by contact 'sw.four'"),
            (26, "role 'mash_nurse' belongs to kind health, not police"),
            (27, "duplicate agency id 'tv-police' (first on line 21)"),
            (29, "unknown agency kind 'constabulary'"),
            (37, "unknown key 'extra' in the file"),
        ],
    )


def test_unknown_role_lists_the_valid_roles_for_the_kind() -> None:
    message = dict(problems_of(FIXTURES / "bad_contacts.yaml"))[18]
    assert message.endswith(
        "(roles for kind social_care: team_manager, social_worker, lado, "
        "fostering_service, residential_service)"
    )


def test_partnership_rules() -> None:
    assert_problems(
        FIXTURES / "bad_partnership.yaml",
        [
            (4, "unknown region 'wales'"),
            (5, "unknown timezone 'Europe/Northvale'"),
            (6, "working_hours start '9am' must be HH:MM"),
            (7, "closure day '2026-02-30' is not a date"),
            (7, "closure day 'next friday' is not a date"),
            (8, "case_reference pattern does not compile"),
            (9, "invalid timescales: timescale 'standard' must be a whole number"),
            (12, "role 'mash_nurse' belongs to kind health, not police"),
            (13, "cutoff_minutes of fallback for education must be a whole number"),
            (14, "fallback for youth_justice names role 'youth_justice_officer' but no contact"),
            (15, "unknown agency kind 'schools' in fallbacks"),
        ],
    )
    timescales = dict(problems_of(FIXTURES / "bad_partnership.yaml"))[9]
    assert "unknown timescale 'weekly'" in timescales  # from TimescaleRules.from_mapping


def test_partnership_requirements() -> None:
    assert_problems(
        FIXTURES / "no_statutory_agencies.yaml",
        [
            (4, "no MASH nurse (role mash_nurse): the health fallback"),
            (4, "no social_care agency"),
            (4, "no police contact"),
        ],
    )


def test_syntax_error_has_its_line() -> None:
    assert_problems(
        FIXTURES / "syntax_error.yaml", [(7, "YAML syntax error: expected <block end>")]
    )


def test_load_raises_with_every_problem() -> None:
    path = FIXTURES / "bad_contacts.yaml"
    with pytest.raises(DirectoryError) as caught:
        load_directory(path, PLATFORM_KEYS)
    assert caught.value.path == path
    assert len(caught.value.problems) == 15
    lines = str(caught.value).splitlines()
    assert len(lines) == 15
    assert lines[0] == f"{path}:4: " + caught.value.problems[0].message


# --- validation: one edit of the minimal fixture, one problem


@pytest.mark.parametrize(
    ("old", "new", "line", "part"),
    [
        ("role: social_worker", "role: mash_police", 10, "belongs to kind police, not social_care"),
        (
            "role: team_manager",
            "role: social_worker",
            4,
            "no team_manager in social care: nobody can chair",
        ),
        ("manager: tm.one", "manager: sw.one", 10, "contact 'sw.one' cannot be their own manager"),
        (
            "role: team_manager, email",
            "role: team_manager, deputy: no.body, email",
            9,
            "deputy 'no.body' of contact 'tm.one' is not a contact",
        ),
        (
            "role: team_manager, email",
            "role: team_manager, deputy: tm.one, email",
            9,
            "contact 'tm.one' cannot be their own deputy",
        ),
        ("email: pc.one@testvale.example", "email: ''", 15, "contact 'pc.one' has no email"),
        ("email: mn.one@testvale.example", "email: mn one@x.example", 20, "malformed email"),
        ("    name: Testvale Police\n", "", 11, "agency 'tv-police' has no name"),
        ("kind: health", "kind: [health]", 18, "kind of agency 'tv-health' must be text"),
        ("id: tv-health", "id: TV Health", 16, "agency id 'TV Health' must be lowercase"),
        # A block mapping starts at its first key, so that is where the missing name is reported.
        ("name: Testvale Partnership", "region: scotland", 3, "partnership has no name"),
        (
            "name: Testvale Partnership",
            "name: Testvale Partnership\n  working_hours: {start: '17:00', end: '09:00'}",
            4,
            "working_hours start 17:00 must be before end 09:00",
        ),
        (
            "name: Testvale Partnership",
            "name: Testvale Partnership\n"
            "  case_reference: {pattern: '^TV-[0-9]{3}$', example: T-1}",
            4,
            "case_reference example 'T-1' does not match the pattern",
        ),
        (
            "name: Testvale Partnership",
            "name: Testvale Partnership\n  case_reference: {pattern: '^TV-[0-9]{3}$'}",
            4,
            "case_reference has no example",
        ),
        (
            "name: Testvale Partnership",
            "name: Testvale Partnership\n  fallbacks:\n"
            "    police: {role: child_abuse_investigation}",
            4,
            "no fallback for health",
        ),
        (
            "name: Testvale Partnership",
            "name: Testvale Partnership\n  fallbacks:\n    health: {role: paediatrician}",
            5,
            "fallback for health names role 'paediatrician' but no contact has that role",
        ),
        (
            "name: Testvale Partnership",
            "name: Testvale Partnership\n  timescales: [3]",
            4,
            "timescales must be a mapping",
        ),
        (
            "name: Testvale Partnership",
            "name: Testvale Partnership\n  closure_days: 2026-12-24",
            4,
            "closure_days must be a list",
        ),
        (
            "name: Testvale Partnership",
            "name: Testvale Partnership\n  name: Again",
            4,
            "duplicate key 'name' in partnership",
        ),
        (
            "name: Testvale Partnership",
            "name: Testvale Partnership\n  fallbacks: {health: {role: mash_nurse, cutoff: 5}}",
            4,
            "unknown key 'cutoff' in fallback for health",
        ),
    ],
)
def test_single_rule(tmp_path: Path, old: str, new: str, line: int, part: str) -> None:
    assert_problems(minimal_with(tmp_path, old, new), [(line, part)])


def test_agency_without_contacts(tmp_path: Path) -> None:
    path = minimal_with(
        tmp_path,
        "contacts:\n      - {id: mn.one, name: Mo Nurse, role: mash_nurse, "
        "email: mn.one@testvale.example}",
        "contacts: []",
    )
    assert_problems(
        path,
        [(4, "no MASH nurse (role mash_nurse)"), (19, "agency 'tv-health' has no contacts")],
    )


def test_duplicate_chat_ids_are_per_platform(tmp_path: Path) -> None:
    path = minimal_with(
        tmp_path,
        "email: tm.one@testvale.example}",
        "email: tm.one@testvale.example, chat: {slack: U0TV0000001, console: sw.one}}",
    )
    # The same id on another platform is fine; a repeat on the same platform is not.
    text = path.read_text(encoding="utf-8").replace(
        "email: sw.one@testvale.example}",
        "email: sw.one@testvale.example, chat: {teams: U0TV0000001, console: sw.one}}",
    )
    path.write_text(text, encoding="utf-8")
    assert_problems(path, [(10, "console chat id 'sw.one' is already used by contact 'tm.one'")])


def test_unquoted_times_are_read_as_written(tmp_path: Path) -> None:
    # YAML 1.1 reads an unquoted 17:30 as the number 1050; the directory must not.
    path = minimal_with(
        tmp_path,
        "name: Testvale Partnership",
        "name: Testvale Partnership\n  working_hours: {start: 08:30, end: 17:30}",
    )
    hours = load_directory(path).partnership.calendar.working_hours
    assert (hours.start.hour, hours.start.minute, hours.end.hour, hours.end.minute) == (
        8,
        30,
        17,
        30,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(1, "the file is empty")]),
        ("# only a comment\n", [(1, "the file is empty")]),
        ("- a\n- b\n", [(1, "the file must be a mapping")]),
        ("agencies: []\n", [(1, "the file has no 'partnership' section")]),
        ("\npartnership: {name: X}\n", [(2, "the file has no 'agencies' section")]),
        ("partnership: {name: X}\nagencies: {}\n", [(2, "agencies must be a list")]),
        (
            "partnership: [x]\n",
            [(1, "partnership must be a mapping"), (1, "the file has no 'agencies' section")],
        ),
    ],
)
def test_structure(tmp_path: Path, text: str, expected: list[tuple[int, str]]) -> None:
    assert_problems(write(tmp_path, text), expected)


def test_unreadable_file_is_a_whole_file_problem(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    problems = check_directory(path)
    assert problems == [Problem(0, "cannot read the file: No such file or directory")]
    assert problems[0].format(path) == f"{path}: cannot read the file: No such file or directory"
    assert Problem(3, "oops").format("dir.yaml") == "dir.yaml:3: oops"


def test_contact_can_be_built_directly() -> None:
    contact = Contact("a.b", "A B", Role.GP, "nv-health", "a.b@health.example")
    assert contact.chat_id("slack") is None and contact.team is None and contact.manager_id is None


# --- the CLI


def run_check(path: Path) -> tuple[int, str]:
    app = typer.Typer()
    app.command()(check_command)
    result = CliRunner().invoke(app, [str(path)])
    return result.exit_code, result.output


def test_cli_ok_for_the_sample() -> None:
    code, output = run_check(sample_directory_path())
    assert code == 0
    assert output.strip().splitlines()[0] == "OK: 1 partnership, 7 agencies, 35 contacts"
    assert "Everyone can be reached." in output


def test_cli_lists_problems_with_file_and_line() -> None:
    path = FIXTURES / "no_statutory_agencies.yaml"
    code, output = run_check(path)
    assert code == 1
    lines = output.splitlines()
    assert lines[:3] == [f"{path}:4: {message}" for _, message in problems_of(path)]
    assert lines[3] == f"3 problems in {path}"


def test_cli_missing_file(tmp_path: Path) -> None:
    code, output = run_check(tmp_path / "nope.yaml")
    assert code == 1
    assert "nope.yaml: cannot read the file" in output
    assert "1 problem in" in output


def test_the_platforms_a_directory_may_name_are_those_the_adapters_register(
    tmp_path: Path,
) -> None:
    path = minimal_with(
        tmp_path,
        "email: tm.one@testvale.example}",
        "email: tm.one@testvale.example, chat: {pager: P-1}}",
    )
    assert set(PLATFORM_KEYS) == {"console", "slack", "teams"}
    assert [m for _, m in problems_of(path)] == [
        "unknown chat platform 'pager' in chat of contact 'tm.one' (known: slack, teams, console)"
    ]
    assert check_directory(path) == []  # with no adapters named, any platform will do
