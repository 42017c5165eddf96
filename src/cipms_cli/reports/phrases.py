"""Plain-words readings of SPC icons, shared by the terminal, Markdown and Excel outputs."""

from __future__ import annotations

VARIATION_WORDS = {
    "common_cause": "Common cause variation only: no signal that the process has changed; "
    "reacting to single points would be tampering.",
    "improvement_high": "Special cause variation, improving (higher): a real change, not noise.",
    "improvement_low": "Special cause variation, improving (lower): a real change, not noise.",
    "concern_high": "Special cause variation of concern (higher): a real deterioration, "
    "investigate the cause.",
    "concern_low": "Special cause variation of concern (lower): a real deterioration, "
    "investigate the cause.",
    "neutral_high": "Special cause variation (higher): a real change in a measure with no "
    "preferred direction.",
    "neutral_low": "Special cause variation (lower): a real change in a measure with no "
    "preferred direction.",
}

ASSURANCE_WORDS = {
    "consistent_pass": "The target lies outside the process limits on the good side: the "
    "process will consistently meet it.",
    "consistent_fail": "The target lies outside the process limits on the wrong side: the "
    "process will consistently miss it unless it changes.",
    "inconsistent": "The target lies within the process limits: it will be met some periods "
    "and missed in others, by chance alone.",
}

RULE_WORDS = {
    "outside_limits": "a point outside the process limits",
    "trend": "a run of points all rising or all falling",
    "two_of_three": "two of three points close to a limit",
    "shift": "a run of points all on one side of the average",
}


def describe_variation(variation: str | None, direction: str = "neutral") -> str:
    if variation is None:
        return "Too few points to judge the variation."
    return VARIATION_WORDS.get(variation, variation.replace("_", " "))


def describe_assurance(assurance: str | None) -> str:
    if assurance is None:
        return "No assurance reading (no target, or no preferred direction)."
    return ASSURANCE_WORDS.get(assurance, assurance.replace("_", " "))
