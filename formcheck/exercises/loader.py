"""Exercise definitions: TOML data -> validated dataclasses the engine runs.

A physical therapist tunes a limit in the TOML file without touching Python; the loader checks
every field and names the file and the field when something is wrong.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from enum import Enum
from importlib import resources

from formcheck.errors import FormcheckError
from formcheck.metrics import METRIC_LABELS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Metrics of a whole rep, for rules in the "rep_end" phase.
REP_METRICS = {
    "range_deg": "range of the movement",
    "up_s": "time to lift",
    "down_s": "time to lower",
    "duration_s": "rep duration",
}


class Phase(str, Enum):
    """When a rule is checked."""

    REST = "rest"  # once per rep, on the still rest before it (a set-up held through the rep)
    REP = "rep"  # every frame of a rep
    PEAK = "peak"  # frames near the top of a rep
    REP_END = "rep_end"  # once per rep, on the rep's own metrics (range, tempo)
    HOLD = "hold"  # every frame of a hold
    # ...between the hold's reps, for a measure the working leg drags while it moves (a progression)
    HOLD_REST = "hold_rest"

    @property
    def of_hold(self) -> bool:
        return self in (Phase.HOLD, Phase.HOLD_REST)


class Reference(str, Enum):
    """What a rule's value is compared against."""

    ABSOLUTE = "absolute"  # the metric itself
    REST = "rest"  # change from the resting position just before the rep
    REST_LOSS_PCT = "rest_loss_pct"  # percent lost from the resting position
    HOLD_START = "hold_start"  # change from the first second of the hold


class Severity(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Limit(str, Enum):
    """One of a rule's two limits."""

    MIN = "min"
    MAX = "max"


@dataclass(frozen=True)
class Cause:
    """A fault another follows from (Rule.implied_by): a rule's code, and where only breaking one of
    its limits is the cause, that limit, written "code.max": in a plank the shoulders turning back
    past trunk_rotation's max move what the rep's roll back reads, while the pelvis rolling back
    under held shoulders breaks its min, and is the roll back itself."""

    code: str
    limit: Limit | None = None

    def explains(self, code: str, value: float, limit: float) -> bool:
        """Whether a fault of ``code`` at ``value`` past ``limit`` is this cause."""
        return code == self.code and (self.limit is None or (value > limit) == (self.limit is Limit.MAX))

    def __str__(self) -> str:
        side = {None: "", Limit.MIN: " below its min", Limit.MAX: " above its max"}[self.limit]
        return f"{self.code}{side}"


class _ExerciseIds(str, Enum):
    @classmethod
    def parse(cls, text: str) -> ExerciseId:
        try:
            return cls(text.strip().lower().replace("_", "-"))
        except ValueError:
            valid = ", ".join(e.value for e in cls)
            raise FormcheckError(f"Unknown exercise {text!r}; choose one of: {valid}.") from None


def _definitions_dir():
    return resources.files("formcheck.exercises")


# The exercises formcheck knows, one TOML file each in this package, named by its id (DESIGN.md's
# ids): a new exercise is a new file, no Python.
ExerciseId = _ExerciseIds(
    "ExerciseId",
    {
        f.name.removesuffix(".toml").upper().replace("-", "_"): f.name.removesuffix(".toml")
        for f in sorted(_definitions_dir().iterdir(), key=lambda f: f.name.removesuffix(".toml"))
        if f.name.endswith(".toml")
    },
)


@dataclass(frozen=True)
class SetupCheck:
    metric: str
    min: float | None
    max: float | None
    source: str
    words: str = ""  # what to do when it fails, in plain words (else the exercise's hint)

    def passes(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class RepSpec:
    signal: str
    start_rise: float
    end_fraction: float
    min_range: float
    report: tuple[str, ...] = ()
    # Report entries read in the rest before each rep, from another measure (name, metric): one
    # that is only true lying still.
    report_at_rest: tuple[tuple[str, str], ...] = ()
    # Report entries read at the peak from another measure (name, metric): one the view reads
    # better than the entry's own, reported under the entry's name.
    report_from: tuple[tuple[str, str], ...] = ()
    # The rep's range (range_deg, its rules' and the scorecard's) from this measure, at the peak
    # against the rest before it, where it is seen; else (None, or unseen) from the counted signal.
    range_metric: str | None = None
    # The start rise when the rest is still (the counter's noise floor; see RepCounter): small
    # reps are counted down to this. None: always ``start_rise``.
    quiet_start_rise: float | None = None

    def min_range_for(self, start_rise: float) -> float:
        """The smallest rep counted after a rise of ``start_rise``: min_range in proportion."""
        return self.min_range * start_rise / self.start_rise


@dataclass(frozen=True)
class HoldSpec:
    signal: str
    enter: float
    exit: float
    min_duration_s: float
    # The hold also ends below this share of the signal's own level over its first second, so
    # "down" means down for this person and camera, not only below one fixed number.
    exit_fraction: float = 0.0
    # Where the rest before the hold was seen, it starts this far above that rest's level (if
    # that is below ``enter``) and ends back within ``exit_rise_fraction`` of the way up:
    # hips down and up read lower from a high camera, but rise alike from every height.
    enter_rise: float | None = None
    exit_rise_fraction: float | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    what: str
    metric: str
    phase: Phase
    min: float | None
    max: float | None
    severity: Severity
    cue: str
    message: str
    source: str
    reference: Reference = Reference.ABSOLUTE
    min_duration_s: float = 0.0
    rest_default: float | None = None
    unseen_hint: str = ""
    # Faults this one follows from (rules of the same exercise): found in the same rep with one of
    # them, it is not reported apart - the cause's cue is the one to act on.
    implied_by: tuple[Cause, ...] = ()
    # Faults that move this rule's measure as its own does (rules of the same exercise). Where one of
    # them cannot be checked in a rep or hold (can't see), this rule's fault there may be it, and
    # says so (Fault.alike) rather than name one shortcut the camera cannot tell from the other.
    alike: tuple[str, ...] = ()
    # A hold's min limit that also follows the person's own start: broken too where the measure falls
    # more than this below its value over the hold's first second (the start position, FORM_RULES.md).
    max_drop_from_hold_start: float | None = None

    @property
    def reads_hold_start(self) -> bool:
        return self.reference is Reference.HOLD_START or self.max_drop_from_hold_start is not None

    @property
    def limit_text(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f">= {self.min:g}")
        if self.max is not None:
            parts.append(f"<= {self.max:g}")
        suffix = {
            Reference.REST: " change from start",
            Reference.REST_LOSS_PCT: "% lost from start",
            Reference.HOLD_START: " change from hold start",
        }.get(self.reference, "")
        if self.max_drop_from_hold_start is not None:
            suffix += f" and no more than {self.max_drop_from_hold_start:g} below hold start"
        return " and ".join(parts) + suffix


# The joints a measure can be printed beside on the video (the working side's).
OVERLAY_JOINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")


@dataclass(frozen=True)
class JointLabel:
    """A measure printed beside a joint of the working side on the video, e.g. "knee 70"."""

    metric: str
    joint: str  # one of OVERLAY_JOINTS
    label: str


@dataclass(frozen=True)
class TooHigh:
    """[too_high]: from this far above the body's front the pose model misreads the exercise, so the
    person is told once, in these words, where to put the camera, and the rules it cannot check
    from there (``unseen``, their codes) say so and are not checked."""

    elevation_deg: float
    words: str
    unseen: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    summary: str
    activation: str
    camera: str
    setup: tuple[SetupCheck, ...]
    setup_hint: str
    reps: RepSpec | None = None
    hold: HoldSpec | None = None
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    good_rep: str = "Good rep"  # said after a rep with no shortcut
    good_hold: str = "Good hold"  # said after a hold in good form
    overlay: tuple[JointLabel, ...] = ()  # [overlay] joints
    report_column: tuple[str, str] | None = None  # [report] column: (rep metric, heading)
    too_high: TooHigh | None = None  # [too_high]: a camera height this exercise is not read from

    @property
    def primary_signal(self) -> str:
        """The signal that defines a rep (or, for a hold-only exercise, the hold)."""
        return self.reps.signal if self.reps else self.hold.signal

    @property
    def fault_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.code for r in self.rules))


def _read_toml(exercise_id: str) -> dict:
    resource = _definitions_dir() / f"{exercise_id}.toml"
    try:
        return tomllib.loads(resource.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FormcheckError(f"{exercise_id}.toml is not valid TOML: {exc}") from None


def _text(d: dict, key: str, where: str) -> str:
    value = d.get(key, "")
    if not isinstance(value, str):
        raise FormcheckError(f"{where}: '{key}' must be text, got {value!r}.")
    return value


def _number(d: dict, key: str, where: str, required: bool = True) -> float | None:
    if key not in d:
        if required:
            raise FormcheckError(f"{where}: missing '{key}'.")
        return None
    value = d[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FormcheckError(f"{where}: '{key}' must be a number, got {value!r}.")
    return float(value)


def _enum(enum: type[Enum], value: str, where: str, key: str):
    try:
        return enum(value)
    except ValueError:
        valid = ", ".join(e.value for e in enum)
        raise FormcheckError(f"{where}: '{key}' = {value!r}; choose one of: {valid}.") from None


def _metric(name: str, where: str, allowed: dict) -> str:
    if name not in allowed:
        raise FormcheckError(f"{where}: unknown metric {name!r}; known: {', '.join(sorted(allowed))}.")
    return name


def parse_rule(d: dict, where: str) -> Rule:
    for key in ("code", "metric", "phase", "severity", "cue", "message", "source"):
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise FormcheckError(f"{where}: every rule needs a non-empty '{key}'.")
    where = f"{where} rule {d['code']!r}"
    phase = _enum(Phase, d["phase"], where, "phase")
    metric = _metric(d["metric"], where, REP_METRICS if phase is Phase.REP_END else METRIC_LABELS)
    lo, hi = _number(d, "min", where, False), _number(d, "max", where, False)
    if lo is None and hi is None:
        raise FormcheckError(f"{where}: give a 'min' or a 'max' limit.")
    reference = _enum(Reference, d.get("reference", "absolute"), where, "reference")
    drop = _number(d, "max_drop_from_hold_start", where, False)
    if drop is not None and (
        drop <= 0 or not phase.of_hold or lo is None or reference is not Reference.ABSOLUTE
    ):
        raise FormcheckError(
            f"{where}: 'max_drop_from_hold_start' must be above 0, on a hold's rule with a 'min' limit "
            "and the absolute reference."
        )
    return Rule(
        code=d["code"],
        what=d.get("what", METRIC_LABELS.get(metric, metric)),
        metric=metric,
        phase=phase,
        min=lo,
        max=hi,
        severity=_enum(Severity, d["severity"], where, "severity"),
        cue=d["cue"],
        message=d["message"],
        source=d["source"],
        reference=reference,
        min_duration_s=_number(d, "min_duration_s", where, False) or 0.0,
        rest_default=_number(d, "rest_default", where, False),
        unseen_hint=d.get("unseen_hint", ""),
        implied_by=_causes(d, "implied_by", where),
        alike=tuple(c.code for c in _causes(d, "alike", where, limits=False)),
        max_drop_from_hold_start=drop,
    )


def _causes(d: dict, key: str, where: str, limits: bool = True) -> tuple[Cause, ...]:
    """A list of fault codes, each with an optional ".min" or ".max" (Cause) where ``limits``."""
    codes = d.get(key, [])
    if not isinstance(codes, list) or not all(isinstance(c, str) and c.strip() for c in codes):
        raise FormcheckError(f"{where}: '{key}' must be a list of fault codes.")
    causes = []
    for text in codes:
        code, _, limit = text.partition(".")
        if limit and not limits:
            raise FormcheckError(f"{where}: '{key}' {text!r}: a fault code, without a limit.")
        if limit not in ("", *(side.value for side in Limit)):
            raise FormcheckError(
                f"{where}: '{key}' {text!r}: a code, or a code and one of its limits: .min, .max."
            )
        causes.append(Cause(code, Limit(limit) if limit else None))
    return tuple(causes)


def _check_causes(causes: tuple[Cause, ...], rules: tuple[Rule, ...], where: str, what: str) -> None:
    """Each cause names one of ``rules``, and one of its limits if any."""
    by_code = {r.code: r for r in rules}
    unknown = sorted(c.code for c in causes if c.code not in by_code)
    if unknown:
        raise FormcheckError(f"{where} names no {what} here: {unknown}.")
    for c in causes:
        if c.limit is not None and getattr(by_code[c.code], c.limit.value) is None:
            raise FormcheckError(f"{where} names {c}, but {c.code!r} has no {c.limit.value} limit.")


def _check_alike(rules: tuple[Rule, ...], where: str) -> None:
    """Each rule's 'alike' names other rules of the exercise."""
    for rule in rules:
        _check_causes(
            tuple(Cause(c) for c in rule.alike),
            tuple(r for r in rules if r is not rule),
            f"{where} rule {rule.code!r}: 'alike'",
            "other rule",
        )


def _feedback(d: dict, where: str) -> dict[str, str]:
    """The optional [feedback] words: good_rep and good_hold."""
    words = d.get("feedback", {})
    unknown = set(words) - {"good_rep", "good_hold"}
    if unknown:
        raise FormcheckError(f"{where} [feedback]: unknown keys {sorted(unknown)}; use good_rep, good_hold.")
    for key, text in words.items():
        if not isinstance(text, str) or not text.strip():
            raise FormcheckError(f"{where} [feedback]: '{key}' must be a non-empty text.")
    return words


def _too_high(d: dict, where: str, rules: tuple[Rule, ...]) -> TooHigh | None:
    """The optional [too_high] table: the camera elevation the exercise is misread from, the words,
    and the codes of the ``rules`` not checked from there."""
    if "too_high" not in d:
        return None
    at = f"{where} [too_high]"
    table = d["too_high"]
    unknown = set(table) - {"elevation_deg", "words", "unseen"}
    if unknown:
        raise FormcheckError(f"{at}: unknown keys {sorted(unknown)}; use elevation_deg, words, unseen.")
    elevation = _number(table, "elevation_deg", at)
    if not 0.0 < elevation < 90.0:
        raise FormcheckError(f"{at}: 'elevation_deg' must be between 0 and 90.")
    words = _text(table, "words", at)
    if not words.strip():
        raise FormcheckError(f"{at}: 'words' must be a non-empty text.")
    unseen = table.get("unseen", [])
    codes = [r.code for r in rules]
    if not isinstance(unseen, list) or set(unseen) - set(codes):
        raise FormcheckError(f"{at}: 'unseen' must list rule codes of the exercise: {', '.join(codes)}.")
    return TooHigh(elevation, words, tuple(unseen))


def _overlay(d: dict, where: str) -> tuple[JointLabel, ...]:
    """The optional [overlay] joints: which measure to print beside which joint."""
    labels = []
    for entry in d.get("overlay", {}).get("joints", []):
        at = f"{where} [overlay]"
        joint = _text(entry, "joint", at)
        if joint not in OVERLAY_JOINTS:
            raise FormcheckError(f"{at}: unknown joint {joint!r}; use one of {', '.join(OVERLAY_JOINTS)}.")
        labels.append(
            JointLabel(_metric(entry.get("metric", ""), at, METRIC_LABELS), joint, _text(entry, "label", at))
        )
    return tuple(labels)


def _report_table(r: dict, key: str, where: str) -> tuple[tuple[str, str], ...]:
    """A [reps] table of report entry = the metric it is read from (report_at_rest, report_from)."""
    table = r.get(key, {})
    if not isinstance(table, dict):
        raise FormcheckError(f"{where}: '{key}' must be a table of report entry = metric.")
    for name, metric in table.items():
        if name not in r.get("report", []):
            raise FormcheckError(f"{where}: '{key}' names {name!r}, which is not in 'report'.")
        _metric(metric, f"{where} {key}", METRIC_LABELS)
    return tuple(table.items())


def _range_metric(r: dict, where: str) -> str | None:
    return _metric(r["range"], f"{where} range", METRIC_LABELS) if "range" in r else None


def _report_column(d: dict, where: str, reps: RepSpec | None) -> tuple[str, str] | None:
    """The optional [report] column: a measure of each rep's peak, shown in the terminal table."""
    column = d.get("report", {}).get("column")
    if column is None:
        return None
    at = f"{where} [report]"
    metric = _metric(column.get("metric", ""), at, METRIC_LABELS)
    if reps is None or metric not in reps.report:
        raise FormcheckError(f"{at}: the column's metric {metric!r} must be in [reps] report.")
    return metric, _text(column, "label", at) or metric


def _parse(exercise_id: str, d: dict) -> Exercise:
    where = f"{exercise_id}.toml"
    setup = d.get("setup", {})
    checks = []
    for c in setup.get("checks", []):
        if "source" not in c:
            raise FormcheckError(f"{where}: setup check on {c.get('metric')!r} needs a 'source'.")
        checks.append(
            SetupCheck(
                _metric(c.get("metric", ""), where, METRIC_LABELS),
                _number(c, "min", where, False),
                _number(c, "max", where, False),
                c["source"],
                _text(c, "words", where),
            )
        )
    reps = hold = None
    if "reps" in d:
        r = d["reps"]
        reps = RepSpec(
            signal=_metric(r.get("signal", ""), f"{where} [reps]", METRIC_LABELS),
            start_rise=_number(r, "start_rise", f"{where} [reps]"),
            end_fraction=_number(r, "end_fraction", f"{where} [reps]"),
            min_range=_number(r, "min_range", f"{where} [reps]"),
            report=tuple(_metric(m, f"{where} [reps]", METRIC_LABELS) for m in r.get("report", [])),
            report_at_rest=_report_table(r, "report_at_rest", f"{where} [reps]"),
            report_from=_report_table(r, "report_from", f"{where} [reps]"),
            quiet_start_rise=_number(r, "quiet_start_rise", f"{where} [reps]", False),
            range_metric=_range_metric(r, f"{where} [reps]"),
        )
        if reps.quiet_start_rise is not None and not 0.0 < reps.quiet_start_rise <= reps.start_rise:
            raise FormcheckError(f"{where} [reps]: 'quiet_start_rise' must be above 0, at most 'start_rise'.")
    hold = _hold_spec(d["hold"], f"{where} [hold]") if "hold" in d else None
    if reps is None and hold is None:
        raise FormcheckError(f"{where}: needs a [reps] or a [hold] section (or reps_from / hold_from).")
    rules = tuple(parse_rule(r, where) for r in d.get("rules", []))
    for rule in rules:
        others = tuple(r for r in rules if r is not rule)
        _check_causes(rule.implied_by, others, f"{where} rule {rule.code!r}: 'implied_by'", "other rule")
    _check_alike(rules, where)
    return Exercise(
        id=exercise_id,
        name=d.get("name", exercise_id),
        summary=d.get("summary", ""),
        activation=d.get("activation", ""),
        camera=d.get("camera", ""),
        setup=tuple(checks),
        setup_hint=setup.get("hint", ""),
        reps=reps,
        hold=hold,
        rules=rules,
        overlay=_overlay(d, where),
        report_column=_report_column(d, where, reps),
        too_high=_too_high(d, where, rules),
        **_feedback(d, where),
    )


def _hold_spec(h: dict, where: str) -> HoldSpec:
    """A [hold] table, checked: errors name ``where`` (the file and the table) and the field."""
    hold = HoldSpec(
        signal=_metric(h.get("signal", ""), where, METRIC_LABELS),
        enter=_number(h, "enter", where),
        exit=_number(h, "exit", where),
        min_duration_s=_number(h, "min_duration_s", where),
        exit_fraction=_number(h, "exit_fraction", where, False) or 0.0,
        enter_rise=_number(h, "enter_rise", where, False),
        exit_rise_fraction=_number(h, "exit_rise_fraction", where, False),
    )
    if hold.exit > hold.enter:
        raise FormcheckError(f"{where}: 'exit' must not be above 'enter'.")
    if not 0.0 <= hold.exit_fraction < 1.0:
        raise FormcheckError(f"{where}: 'exit_fraction' must be from 0 up to (not including) 1.")
    if (hold.enter_rise is None) != (hold.exit_rise_fraction is None):
        raise FormcheckError(f"{where}: give 'enter_rise' and 'exit_rise_fraction' together.")
    if hold.enter_rise is not None and not hold.enter_rise > 0.0:
        raise FormcheckError(f"{where}: 'enter_rise' must be above 0.")
    if hold.exit_rise_fraction is not None and not 0.0 <= hold.exit_rise_fraction < 1.0:
        raise FormcheckError(f"{where}: 'exit_rise_fraction' must be from 0 up to (not) 1.")
    return hold


def load_exercise(exercise: str | ExerciseId) -> Exercise:
    """The shipped definition of an exercise; progressions combine a hold and a rep exercise."""
    exercise_id = (exercise if isinstance(exercise, ExerciseId) else ExerciseId.parse(exercise)).value
    d = _read_toml(exercise_id)
    if "hold_from" in d or "reps_from" in d:
        hold_ex = load_exercise(d["hold_from"])
        reps_ex = load_exercise(d["reps_from"])
        omit = d.get("omit_rules", [])
        unknown = set(omit) - {r.code for r in reps_ex.rules}
        if unknown:
            raise FormcheckError(
                f"{exercise_id}: omit_rules names no rule of {d['reps_from']}: {sorted(unknown)}."
            )
        kept = tuple(
            replace(
                r,
                implied_by=tuple(c for c in r.implied_by if c.code not in omit),
                alike=tuple(c for c in r.alike if c not in omit),
            )
            for r in reps_ex.rules
            if r.code not in omit
        )
        hold_toml, reps_toml = _read_toml(d["hold_from"]), _read_toml(d["reps_from"])
        own, reps = _own_versions(
            hold_ex.rules + kept, reps_ex.reps, d, (hold_toml, reps_toml), f"{exercise_id}.toml"
        )
        hold_rules, rep_rules = own[: len(hold_ex.rules)], own[len(hold_ex.rules) :]
        rules = hold_rules + _implied_by_hold(rep_rules, hold_rules, d, f"{exercise_id}.toml")
        _check_alike(rules, f"{exercise_id}.toml")
        return Exercise(
            id=exercise_id,
            name=d.get("name", exercise_id),
            summary=d.get("summary", ""),
            activation=d.get("activation", ""),
            camera=d.get("camera", ""),
            setup=hold_ex.setup,
            setup_hint=hold_ex.setup_hint,
            reps=reps,
            # its own [hold] changes only the fields it gives of the hold exercise's
            hold=_hold_spec({**hold_toml["hold"], **d.get("hold", {})}, f"{exercise_id}.toml [hold]"),
            rules=rules,
            # the hold's labels (its position is the base), the rep's at the other joints
            overlay=hold_ex.overlay
            + tuple(j for j in reps_ex.overlay if j.joint not in {k.joint for k in hold_ex.overlay}),
            report_column=reps_ex.report_column,
            too_high=_too_high(d, f"{exercise_id}.toml", rules),
            **{"good_rep": reps_ex.good_rep, "good_hold": hold_ex.good_hold}
            | _feedback(d, f"{exercise_id}.toml"),
        )
    return _parse(exercise_id, d)


# What a progression's own [reps] can change (its key: the RepSpec field).
OWN_REPS_FIELDS = {"report_at_rest": "report_at_rest", "report_from": "report_from", "range": "range_metric"}


def _own_versions(
    rules: tuple[Rule, ...], reps: RepSpec, d: dict, base_tomls: tuple[dict, ...], where: str
) -> tuple[tuple[Rule, ...], RepSpec]:
    """A progression's own [[rules]], each changing the fields it gives of the hold's or the reps'
    rule of its code (``base_tomls``: those exercises' definitions), and its own [reps], changing
    the fields it gives of what each rep reports (OWN_REPS_FIELDS): where its position measures a
    shortcut differently, or sees it from elsewhere."""
    codes = {r.code for r in rules}
    base = {r.get("code"): r for toml in base_tomls for r in toml.get("rules", [])}
    own = {}
    for changes in d.get("rules", []):
        code = changes.get("code")
        if code not in codes:
            raise FormcheckError(
                f"{where}: [[rules]] change the hold's and the reps' rules of the same code; "
                f"{code!r} is none of them."
            )
        rule = parse_rule({**base[code], **changes}, where)
        own[code] = replace(rule, implied_by=tuple(c for c in rule.implied_by if c.code in codes))
    if "reps" in d:
        at = f"{where} [reps]"
        unknown = set(d["reps"]) - set(OWN_REPS_FIELDS)
        if unknown:
            raise FormcheckError(
                f"{at}: a progression's reps are counted as its rep exercise's; it can give only "
                f"{', '.join(OWN_REPS_FIELDS)}, not {', '.join(sorted(unknown))}."
            )
        table = {"report": list(reps.report), **d["reps"]}
        reps = replace(
            reps,
            **{
                field: _report_table(table, key, at) if key != "range" else _range_metric(table, at)
                for key, field in OWN_REPS_FIELDS.items()
                if key in table
            },
        )
    return tuple(own.get(r.code, r) for r in rules), reps


def _implied_by_hold(
    rep_rules: tuple[Rule, ...], hold_rules: tuple[Rule, ...], d: dict, where: str
) -> tuple[Rule, ...]:
    """A progression's [implied_by] table: rep faults that follow from a hold fault at the time
    (rep rule code = [hold rule codes])."""
    table = d.get("implied_by", {})
    if not isinstance(table, dict):
        raise FormcheckError(f"{where}: [implied_by] must be a table of rep rule = [hold rule codes].")
    rep_codes = {r.code for r in rep_rules}
    causes = {}
    for code in table:
        if code not in rep_codes:
            raise FormcheckError(
                f"{where} [implied_by]: {code!r} is no rep rule here; use one of {sorted(rep_codes)}."
            )
        causes[code] = _causes(table, code, f"{where} [implied_by]")
        _check_causes(causes[code], hold_rules, f"{where} [implied_by] {code!r}:", "hold rule")
    return tuple(
        replace(r, implied_by=r.implied_by + causes[r.code]) if r.code in causes else r for r in rep_rules
    )


def all_exercises() -> list[Exercise]:
    return [load_exercise(e) for e in ExerciseId]
