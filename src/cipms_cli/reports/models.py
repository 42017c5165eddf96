"""The improvement-planning models a plan can follow, and the prompts each asks per priority.

- Results-Based Accountability (Friedman, *Trying Hard Is Not Good Enough*): turn the curve
  of the baseline with forecast.
- LEAP (Learning, Evaluation and Planning, Scottish Community Development Centre): plan
  from outcomes to indicators to action, then monitor and evaluate.
- Future-basing: imagine the target date reached, then work backwards to today.
"""

from __future__ import annotations

from dataclasses import dataclass

from cipms_cli.errors import UsageError


@dataclass(frozen=True)
class Prompt:
    key: str
    title: str
    prompt: str


@dataclass(frozen=True)
class PlanningModel:
    code: str
    name: str
    about: str
    prompts: tuple[Prompt, ...]


RBA = PlanningModel(
    "rba",
    "Results-Based Accountability",
    "Turn the curve: the forecast is where the indicator goes if nothing changes; "
    "the plan is what will make it go somewhere better.",
    (
        Prompt(
            "story",
            "Story behind the curve",
            "Why does the curve look the way it does? Name the causes and the forces at work, "
            "positive and negative; say which causes matter most.",
        ),
        Prompt(
            "partners",
            "Partners",
            "Who else has a role to play in turning this curve (inside and outside the "
            "agency), and what will we ask of them?",
        ),
        Prompt(
            "what_works",
            "What works",
            "What could work to turn the curve: evidence, partners' ideas, no-cost and "
            "low-cost ideas? Which will we try first, and why?",
        ),
        Prompt(
            "action_plan",
            "Action plan",
            "What will we do, who owns each action, by when, with what resources? "
            "Write each action as a row of the Actions sheet.",
        ),
    ),
)

LEAP = PlanningModel(
    "leap",
    "LEAP (Learning, Evaluation and Planning)",
    "Start from the difference we want to make, agree how we will know, plan the action, "
    "then monitor and evaluate what changed.",
    (
        Prompt(
            "outcomes",
            "Outcomes",
            "What difference do we want to make, and for whom? Restate the outcome in the "
            "words of the people it is for.",
        ),
        Prompt(
            "indicators",
            "Indicators",
            "How will we know the difference is being made? Is this indicator the right "
            "evidence, and what other evidence (stories, other figures) would help?",
        ),
        Prompt(
            "action_plan",
            "Action plan",
            "What will we do, with what resources, who does it and by when? Write each "
            "action as a row of the Actions sheet.",
        ),
        Prompt(
            "monitoring",
            "Monitoring",
            "How and how often will we check progress, and who looks at the chart?",
        ),
        Prompt(
            "evaluation",
            "Evaluation",
            "When will we stop and ask what changed, for whom, and why, and what we learned "
            "for the next cycle?",
        ),
    ),
)

FUTURE_BASING = PlanningModel(
    "future-basing",
    "Future-basing",
    "Stand at the target date with the target met, describe what was achieved, then work "
    "backwards to the milestones and the critical path from today.",
    (
        Prompt(
            "vision",
            "Vision date and achievements",
            "It is the target date and the target has been met. What did we achieve, what "
            "is different for the people we serve, and what did it take?",
        ),
        Prompt(
            "milestones",
            "Milestones working backwards",
            "Working back from the target date, what had to be true at each milestone? The "
            "values on the straight line from today to the target are listed below.",
        ),
        Prompt(
            "critical_path",
            "Critical path",
            "Which actions must happen first, and in what order, for the milestones to be "
            "reached? Which one, if late, delays everything?",
        ),
    ),
)

MODELS = {m.code: m for m in (RBA, LEAP, FUTURE_BASING)}


def planning_model(code: str) -> PlanningModel:
    """Raises UsageError for an unknown code."""
    try:
        return MODELS[code.strip().lower()]
    except KeyError:
        raise UsageError(
            f"--model '{code}' is not known; use one of: {', '.join(MODELS)}"
        ) from None
