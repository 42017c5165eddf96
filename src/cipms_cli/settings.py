"""Options read from a workbook's Settings sheet or a ``cipms.toml`` file.

Keys are dotted (``spc.shift_points``) and every option has a documented default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cipms_cli.errors import UsageError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpcOptions(_Section):
    screen_outliers: bool = Field(
        True, description="Drop moving ranges above 3.267 × their mean once."
    )
    shift_points: int = Field(7, ge=6, le=7, description="Points in a run on one side of the mean.")
    trend_points: int = Field(7, ge=6, le=7, description="Points in a rising or falling trend.")
    two_of_three_counts_beyond_limits: bool = Field(
        False, description="Count points beyond the 3σ limits in the two-of-three rule."
    )
    trial_limit_points: int = Field(
        13, ge=2, description="Fewer points than this give trial limits."
    )


class StatusOptions(_Section):
    default_tolerance_pct: float = Field(
        5.0,
        ge=0,
        description="When an indicator has no tolerance: the at_risk band, as a percent of the "
        "distance from baseline to target.",
    )


class ForecastOptions(_Section):
    window: int = Field(8, ge=3, description="Recent points the forecast line is fitted through.")


class DataQualityOptions(_Section):
    small_denominator: float = Field(30, ge=1, description="Denominators below this are flagged.")


class ScoreOptions(_Section):
    cap: float = Field(1.0, gt=0, description="Ceiling on each indicator's attainment.")
    star_thresholds: tuple[float, float, float] = Field(
        (5.0, 7.0, 8.5), description="Scores (out of 10) needed for 1, 2 and 3 stars."
    )
    key_failure_max_stars: int = Field(
        1, ge=0, le=3, description="Most stars when a key indicator is below its minimum standard."
    )

    @field_validator("star_thresholds", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(float(v) for v in value.replace(";", ",").split(","))
        return value


class PrivacyOptions(_Section):
    small_n: int = Field(5, ge=1, description="Breakdown cells with fewer learners show as <N.")


class Settings(_Section):
    fiscal_year_start_month: int = Field(
        4, ge=1, le=12, description="Month the fiscal year starts."
    )
    spc: SpcOptions = SpcOptions()
    status: StatusOptions = StatusOptions()
    forecast: ForecastOptions = ForecastOptions()
    data_quality: DataQualityOptions = DataQualityOptions()
    score: ScoreOptions = ScoreOptions()
    privacy: PrivacyOptions = PrivacyOptions()


def known_keys() -> dict[str, str]:
    """Dotted key -> description, for docs and for spotting unknown keys."""
    keys: dict[str, str] = {}
    for name, info in Settings.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub, subinfo in annotation.model_fields.items():
                keys[f"{name}.{sub}"] = subinfo.description or ""
        else:
            keys[name] = info.description or ""
    return keys


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        head, _, tail = key.partition(".")
        if tail:
            nested.setdefault(head, {})[tail] = value
        else:
            nested[head] = value
    return nested


def settings_from(flat: dict[str, Any]) -> Settings:
    """Raises pydantic.ValidationError for bad values."""
    return Settings.model_validate(nest(flat))


def load_config(path: Path) -> dict[str, Any]:
    """Flat dotted keys from a cipms.toml file. Raises UsageError."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"config file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for k, v in node.items():
            if isinstance(v, dict):
                walk(f"{prefix}{k}.", v)
            else:
                flat[f"{prefix}{k}"] = v

    walk("", data)
    unknown = sorted(set(flat) - set(known_keys()))
    if unknown:
        raise UsageError(f"{path}: unknown setting(s) {', '.join(unknown)}; see docs/workbook.md")
    try:
        settings_from(flat)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"{path}: setting {where}: {first['msg']}") from None
    return flat
