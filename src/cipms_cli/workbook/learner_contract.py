"""Row models of the learner sheets, for Learner Skill Attainment (LSA).

Learners, Assessments, Milestones and Scales follow the Ontario Literacy and Basic
Skills (LBS) programme: five goal paths, six curriculum framework competencies (A to
F) at three levels, and scored domains on one consistent scale. Learner ids are
pseudonymous codes; the sheets have no column for names.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from cipms_cli.workbook.cells import is_blank, normalise_key, to_number
from cipms_cli.workbook.contract import (
    Identifier,
    OptionalBool,
    OptionalDate,
    OptionalText,
    RequiredDate,
    RequiredText,
    Row,
    _choice,
    _required,
    col,
)


class GoalPath(StrEnum):
    EMPLOYMENT = "Employment"
    APPRENTICESHIP = "Apprenticeship"
    SECONDARY_SCHOOL_CREDIT = "Secondary School Credit"
    POSTSECONDARY = "Postsecondary"
    INDEPENDENCE = "Independence"


class Competency(StrEnum):
    A = "A Find and Use Information"
    B = "B Communicate Ideas and Information"
    C = "C Understand and Use Numbers"
    D = "D Use Digital Technology"
    E = "E Manage Learning"
    F = "F Engage with Others"


class Domain(StrEnum):
    READING = "Reading"
    DOCUMENT_USE = "Document Use"
    NUMERACY = "Numeracy"


def _aliases_of(member: StrEnum, *extra: str) -> dict[str, StrEnum]:
    return {normalise_key(a): member for a in (member.value, member.name, *extra)}


GOAL_PATH_ALIASES: dict[str, Any] = {
    **_aliases_of(GoalPath.EMPLOYMENT, "emp", "job", "work"),
    **_aliases_of(GoalPath.APPRENTICESHIP, "app", "apprentice", "trades"),
    **_aliases_of(
        GoalPath.SECONDARY_SCHOOL_CREDIT,
        "ssc",
        "secondary",
        "secondary school",
        "secondary school credits",
        "high school",
        "high school credit",
    ),
    **_aliases_of(
        GoalPath.POSTSECONDARY,
        "post-secondary",
        "post secondary",
        "pse",
        "post-secondary education",
        "postsecondary education",
        "college",
        "university",
    ),
    **_aliases_of(GoalPath.INDEPENDENCE, "ind", "indep", "independent"),
}


def _competency_aliases() -> dict[str, Any]:
    aliases: dict[str, Any] = {}
    for member in Competency:
        letter, title = member.name, member.value[2:]
        written = (
            letter,
            title,
            f"competency {letter}",
            f"{letter}. {title}",
            f"{letter}: {title}",
        )
        aliases.update(_aliases_of(member, *written, f"{letter} - {title}"))
    return aliases


COMPETENCY_ALIASES = _competency_aliases()

DOMAIN_ALIASES: dict[str, Any] = {
    **_aliases_of(Domain.READING, "reading text", "prose", "prose literacy", "read"),
    **_aliases_of(Domain.DOCUMENT_USE, "document", "documents", "doc use", "document literacy"),
    **_aliases_of(Domain.NUMERACY, "numbers", "math", "maths", "numeracy skills"),
}

_LEVEL_TEXT = re.compile(r"^(?:level|lvl|l)?\s*(\d+)(?:\.0+)?$", re.I)


def _level(value: Any) -> int | None:
    """A whole level number; "Level 2" and "L2" are read as 2."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        match = _LEVEL_TEXT.match(value.strip())
        if match is None:
            raise PydanticCustomError(
                "invalid-level", "'{value}' is not a level; type a whole number", {"value": value}
            )
        return int(match.group(1))
    number = to_number(value)
    if number is None or not number.is_integer() or number < 0:
        raise PydanticCustomError(
            "invalid-level", "'{value}' is not a level; type a whole number", {"value": value}
        )
    return int(number)


def _curriculum_level(value: Any) -> int | None:
    level = _level(value)
    if level is not None and not 1 <= level <= 3:
        raise PydanticCustomError(
            "invalid-level",
            "milestone level {level} is not a curriculum framework level; use 1, 2 or 3",
            {"level": level},
        )
    return level


GoalPathField = Annotated[
    GoalPath,
    BeforeValidator(
        _required(
            _choice(
                GOAL_PATH_ALIASES,
                "invalid-goal-path",
                ", ".join(g.value for g in GoalPath),
            )
        )
    ),
]
CompetencyField = Annotated[
    Competency,
    BeforeValidator(
        _required(
            _choice(
                COMPETENCY_ALIASES,
                "invalid-competency",
                "A to F, such as 'A' or 'A Find and Use Information' ("
                + "; ".join(c.value for c in Competency)
                + ")",
            )
        )
    ),
]
DomainField = Annotated[
    Domain,
    BeforeValidator(
        _required(_choice(DOMAIN_ALIASES, "invalid-domain", ", ".join(d.value for d in Domain)))
    ),
]
RequiredNumber = Annotated[float, BeforeValidator(_required(to_number))]
RequiredLevel = Annotated[int, BeforeValidator(_required(_level))]
OptionalLevel = Annotated[int | None, BeforeValidator(_level)]
CurriculumLevel = Annotated[int, BeforeValidator(_required(_curriculum_level))]

_LEARNER_ID_ALIASES = (
    "learner",
    "learner_code",
    "learner_ref",
    "client_id",
    "client_code",
    "participant_id",
    "student_id",
    "pseudonym",
)


class LearnerRow(Row):
    learner_id: Identifier = col(
        "Pseudonymous learner code (never a name).", *_LEARNER_ID_ALIASES, example="L0001"
    )
    goal_path: GoalPathField = col(
        "Employment, Apprenticeship, Secondary School Credit, Postsecondary or Independence "
        "(short forms such as SSC and post-secondary are accepted).",
        "goal",
        "path",
        "learner_goal_path",
        "goal_pathway",
        example="Employment",
    )
    start_date: RequiredDate = col(
        "The day the learner's service plan started.",
        "start",
        "entry_date",
        "intake_date",
        "enrolment_date",
        "enrollment_date",
        "service_plan_start",
        example="2024-04-15",
    )
    exit_date: OptionalDate = col(
        "The day the learner left; empty while still active.",
        "exit",
        "end_date",
        "leave_date",
        "closure_date",
        "closed_date",
        "service_plan_end",
        default=None,
    )
    exit_reason: OptionalText = col(
        "Why the learner left (never printed in reports).",
        "reason",
        "exit_outcome",
        "closure_reason",
        default=None,
    )


class AssessmentRow(Row):
    learner_id: Identifier = col("The learner.", *_LEARNER_ID_ALIASES, example="L0001")
    date: RequiredDate = col(
        "The day of the assessment.",
        "assessment_date",
        "assessed_on",
        "date_assessed",
        "test_date",
        example="2024-05-02",
    )
    domain: DomainField = col(
        "Reading, Document Use or Numeracy.",
        "skill",
        "skill_domain",
        "assessment_domain",
        "subject",
        example="Reading",
    )
    score: RequiredNumber = col(
        "The score on the domain's consistent scale (see Scales).",
        "scale_score",
        "result",
        "points",
        example=262,
    )
    level: OptionalLevel = col(
        "The level the score places the learner at; must agree with Scales when given.",
        "band",
        "score_level",
        "assessment_level",
        default=None,
    )


class MilestoneRow(Row):
    learner_id: Identifier = col("The learner.", *_LEARNER_ID_ALIASES, example="L0001")
    milestone: RequiredText = col(
        "The milestone (or culminating task) code.",
        "milestone_id",
        "milestone_code",
        "milestone_task",
        "task",
        example="M12",
    )
    competency: CompetencyField = col(
        "The curriculum framework competency, A to F "
        "('A', 'A Find and Use Information' or 'Find and Use Information').",
        "competency_area",
        "framework_competency",
        "oalcf_competency",
        example="A Find and Use Information",
    )
    level: CurriculumLevel = col(
        "The competency level of the milestone: 1, 2 or 3.",
        "milestone_level",
        "task_level",
        example=2,
    )
    completed_date: RequiredDate = col(
        "The day the learner completed it.",
        "completed",
        "completed_on",
        "date_completed",
        "completion_date",
        "date",
        example="2024-07-19",
    )
    culminating_task: OptionalBool = col(
        "yes when this is the culminating task that completes the goal path.",
        "culminating",
        "is_culminating_task",
        "goal_completion_task",
        default=None,
    )


class ScaleRow(Row):
    domain: DomainField = col("Reading, Document Use or Numeracy.", "skill", example="Reading")
    level: RequiredLevel = col("The level (band) number.", "band", "scale_level", example=2)
    min_score: RequiredNumber = col(
        "Lowest score in the band.", "min", "from_score", "lower", "low", example=226
    )
    max_score: RequiredNumber = col(
        "Highest score in the band.", "max", "to_score", "upper", "high", example=275
    )
