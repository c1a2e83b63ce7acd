"""The group gaps panel: attainment, progress over the year and the on-track share of each group against
the rest of the pupils in view, per subject, with the gap. Pure: frames in, a :class:`~.tables.Table` out.
:func:`group_means` is the vectorised form of :func:`assessment.analytics.group_gaps` (the tests check
they agree)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from assessment import analytics
from assessment.analytics import Group
from pupils.codes import ethnicity_name
from schoolpl import disclosure
from schoolpl.disclosure import SHOWN

from .frames import CHARACTERISTICS, PUPIL_COLUMNS, Frames, subject_order
from .tables import MIN_SIZE, ON_TRACK_OR_AHEAD, SUPPRESSED, Cell, Table, dash, num, pct, signed


def gap_frame(frames: Frames) -> pd.DataFrame:
    """Per pupil and subject: attainment now, points gained over the year, and on track (100) or not (0),
    with the pupil's year group and characteristics (not names). Pupils with a status but no judgement at
    the window still count for the on-track share. Rows are in (pupil, subject) order."""
    judgements = frames.judgements
    keys = ["pupil_id", "subject_id"]
    if frames.window is None:
        current = judgements.iloc[0:0][[*keys, "points"]]
    else:
        current = judgements.loc[judgements["window_id"] == frames.window["id"], [*keys, "points"]]
    if frames.year_ago is not None:
        before = judgements.loc[judgements["window_id"] == frames.year_ago["id"], [*keys, "points"]]
        current = current.merge(before.rename(columns={"points": "points_before"}), on=keys, how="left")
        current["progress"] = current["points"] - current["points_before"]
    else:
        current = current.assign(progress=np.nan)
    merged = current.merge(frames.statuses[[*keys, "status"]], on=keys, how="outer")
    merged = merged.merge(frames.pupils[PUPIL_COLUMNS], on="pupil_id", how="inner")
    merged["on_track"] = np.where(
        merged["status"].isna(), np.nan, merged["status"].isin(ON_TRACK_OR_AHEAD).astype(float) * 100
    )
    return merged


GAP_GROUPS = tuple(c.group for c in CHARACTERISTICS) + (Group("Ethnicity", "ethnicity"),)


def group_means(
    frame: pd.DataFrame, value_cols: Sequence[str], groups: Iterable[Group], by: str, min_size: int = MIN_SIZE
) -> pd.DataFrame:
    """:func:`assessment.analytics.group_gaps` for several value columns, every group and every value of
    ``by`` in one vectorised pass over a rows × groups membership matrix (instead of a groupby per group,
    column and subject: the dashboard has 14 groups × 3 measures × each subject).

    One row per concrete group and ``by`` value (group by group): label, ``by``, n_group / n_rest (rows
    whose characteristic is known, whatever their values), and for each value column ``n_group_<col>``,
    ``n_rest_<col>``, ``mean_group_<col>``, ``mean_rest_<col>``, ``gap_<col>`` — the same figures and the
    same suppression (either side under ``min_size``) as ``group_gaps``; the tests check they agree. Each
    sum adds the rows in frame order, as a groupby would."""
    concrete = analytics.expand_groups(frame, groups)
    if frame.empty or not concrete:
        return pd.DataFrame(columns=["label", by, "n_group", "n_rest"])
    keys, index = np.unique(frame[by].to_numpy(), return_inverse=True)
    size, count = len(keys), len(concrete)
    factorized = {}
    known = np.empty((len(frame), count), dtype=bool)
    member = np.empty((len(frame), count), dtype=bool)
    for j, group in enumerate(concrete):
        if group.column not in factorized:
            factorized[group.column] = pd.factorize(frame[group.column])  # code -1: characteristic unknown
        codes, uniques = factorized[group.column]
        known[:, j] = codes >= 0
        member[:, j] = False
        values = group.values if group.values is not None else ()  # expand_groups: always concrete values
        for i, value in enumerate(uniques):
            if value in values:
                member[:, j] |= codes == i
    rest = known & ~member
    one_hot = (index[:, None] == np.arange(size)).astype(float)  # rows × ``by`` values
    bins = (index[:, None] * count + np.arange(count)).ravel()

    def counts(mask: np.ndarray) -> np.ndarray:
        """Rows of a rows × groups ``mask`` per group and ``by`` value, group by group (a matrix product of
        zeros and ones: exact)."""
        return (one_hot.T @ mask).T.ravel().astype(int)

    def sums(weights: np.ndarray) -> np.ndarray:
        """Sums of rows × groups ``weights`` per group and ``by`` value, group by group, adding the rows in
        frame order (a bincount, not a matrix product, so the same float sums as a groupby)."""
        total = np.bincount(bins, weights=weights.ravel(), minlength=size * count)
        return total.reshape(size, count).T.ravel()

    member_f, rest_f = member.astype(float), rest.astype(float)
    out = {
        "label": np.repeat([g.label for g in concrete], size),
        by: np.tile(keys, count),
        "n_group": counts(member_f),
        "n_rest": counts(rest_f),
    }
    for col in value_cols:
        v = frame[col].to_numpy(dtype=float)
        has = ~np.isnan(v)
        filled = np.where(has, v, 0.0)[:, None]
        n_g, n_r = counts(member_f * has[:, None]), counts(rest_f * has[:, None])
        suppressed = (n_g < min_size) | (n_r < min_size)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_g = np.where(suppressed, np.nan, sums(np.where(member, filled, 0.0)) / n_g)
            mean_r = np.where(suppressed, np.nan, sums(np.where(rest, filled, 0.0)) / n_r)
        out |= {
            f"n_group_{col}": n_g,
            f"n_rest_{col}": n_r,
            f"mean_group_{col}": mean_g,
            f"mean_rest_{col}": mean_r,
            f"gap_{col}": mean_g - mean_r,
        }
    return pd.DataFrame(out)


def _gaps_shown(records: list[dict], threshold: int | None) -> list[tuple[int, int]]:
    """What each group's size and the rest's may show (``disclosure`` kinds) in :func:`gaps`. Each pair adds
    up to the pupils in view (known from any other row, so never hidden), and groups that split the pupils
    — girls and boys, the ethnic groups — add up to them too."""
    if threshold is None:
        return [(SHOWN, SHOWN)] * len(records)
    values, lines, fixed = [], [], []
    partitions: dict[tuple, list[int]] = {}
    for i, r in enumerate(records):
        group, rest = int(r["n_group"]), int(r["n_rest"])
        values += [group, rest, group + rest]
        lines.append(disclosure.Line((3 * i, 3 * i + 1), 3 * i + 2))
        fixed.append(3 * i + 2)
        split = {"Girls": "gender", "Boys": "gender"}.get(r["label"])
        if r["label"].startswith("Ethnicity: "):
            split = "ethnicity"
        if split:
            partitions.setdefault((r["subject_id"], split, group + rest), []).append(3 * i)
    for (_subject, _split, total), parts in partitions.items():
        if len(parts) > 1 and sum(values[i] for i in parts) == total:
            values.append(total)
            fixed.append(len(values) - 1)
            lines.append(disclosure.Line(tuple(parts), len(values) - 1))
    kinds = disclosure.suppress(values, threshold, lines, fixed=fixed).tolist()
    return [(kinds[3 * i], kinds[3 * i + 1]) for i in range(len(records))]


def _gap_figures_shown(figures: list, record: dict, kind_group: int, kind_rest: int, threshold: int) -> list:
    """:func:`gaps`' nine figures with none worked from a hidden size, and no on-track share that gives away
    a small number on track (or not) in the group or the rest."""
    if kind_group != SHOWN or kind_rest != SHOWN:
        return [None] * len(figures)
    figures = list(figures)
    for side, at in (("group", 6), ("rest", 7)):
        n, share = int(record[f"n_{side}_on_track"]), figures[at]
        if share is not None and disclosure.share_hidden(round(share * n / 100), n, threshold):
            figures[at] = figures[8] = None
    return figures


_EXPORT_HEADERS = [
    "Group",
    "Subject",
    "Pupils in group",
    "Pupils in rest",
    "Attainment group (points)",
    "Attainment rest (points)",
    "Attainment gap (points)",
    "Progress group (points)",
    "Progress rest (points)",
    "Progress gap (points)",
    "On track or ahead group (%)",
    "On track or ahead rest (%)",
    "On-track gap (% points)",
]


def _headers(year_ago: str) -> list[str]:
    return [
        "Group",
        "Subject",
        "Pupils (group / rest)",
        "Attainment: group",
        "Attainment: rest",
        "Attainment gap",
        f"Progress since {year_ago or 'a year ago'}: gap",
        "On track or ahead: group",
        "On track or ahead: rest",
        "On-track gap (% points)",
    ]


def _group_names(label: str, keys: dict[str, str]) -> tuple[str, str]:
    """(filter key, shown name) of a group: an ethnic group by its census name, not its code (ABAN)."""
    if label.startswith("Ethnicity: "):
        code = label.split(": ", 1)[1]
        return keys.get(label) or "ethnicity:" + code, "Ethnicity: " + ethnicity_name(code)
    return keys.get(label) or "", label


def _gap_row(frames: Frames, r: dict, kind_group: int, kind_rest: int, keys: dict[str, str]) -> tuple[list, list]:
    """One group's cells in one subject, and its export row."""
    t = frames.threshold
    count_group, count_rest = int(r["n_group"]), int(r["n_rest"])
    n_group: int | str = count_group  # as shown: "<5" or "x" when hidden
    n_rest: int | str = count_rest
    key, shown = _group_names(r["label"], keys)
    drill = {"group": key, "subject": int(r["subject_id"]), "panel": "attainment"} if key else None
    note = SUPPRESSED if min(count_group, count_rest) < MIN_SIZE else ""
    figures = [
        num(r[f"{part}_{col}"])
        for col in ("points", "progress", "on_track")
        for part in ("mean_group", "mean_rest", "gap")
    ]
    subject_name = frames.subject_name(r["subject_id"])
    if t is not None:
        figures = _gap_figures_shown(figures, r, kind_group, kind_rest, t)
        hidden = kind_group != SHOWN or kind_rest != SHOWN
        if kind_group != SHOWN:
            n_group = disclosure.text(count_group, kind_group, t)
        if kind_rest != SHOWN:
            n_rest = disclosure.text(count_rest, kind_rest, t)
        drill, note = None, SUPPRESSED if hidden else ""
    cells = [
        Cell(shown, header=True),
        Cell(subject_name),
        Cell(n_group, text=f"{n_group} / {n_rest}", drill=drill, note=note),
        Cell(figures[0], text=dash(figures[0])),
        Cell(figures[1], text=dash(figures[1])),
        Cell(figures[2], text=signed(figures[2]) or "—"),
        Cell(figures[5], text=signed(figures[5]) or "—"),
        Cell(figures[6], text=pct(figures[6]) or "—"),
        Cell(figures[7], text=pct(figures[7]) or "—"),
        Cell(figures[8], text=signed(figures[8]) or "—"),
    ]
    return cells, [shown, subject_name, n_group, n_rest, *figures]


def _chart(rows: list) -> dict | None:
    shown_gaps = [r for r in rows if r[5].value is not None]
    if not shown_gaps:
        return None
    return {
        "type": "bar",
        "data": {
            "labels": [f"{r[0].text} ({r[1].text})" for r in shown_gaps],
            "datasets": [
                {
                    "label": "Attainment gap (points)",
                    "backgroundColor": "#2c5d8f",
                    "data": [r[5].value for r in shown_gaps],
                }
            ],
        },
        "options": {"indexAxis": "y", "plugins": {"legend": {"display": False}}},
    }


def gaps(frames: Frames) -> Table:
    """Attainment (mean points now), progress (mean points gained over the year) and the on-track share for
    each group against the rest of the pupils in view, per subject, with the gap (group − rest). Means of
    fewer than 5 pupils (in the group or in the rest) are suppressed; sizes stay."""
    frame = gap_frame(frames)
    keys = {c.label: c.key for c in frames.characteristics}
    groups = tuple(c.group for c in frames.characteristics) + GAP_GROUPS[-1:]  # and ethnicity
    t = frames.threshold
    min_size = MIN_SIZE if t is None else max(MIN_SIZE, t)
    stats = group_means(frame, ["points", "progress", "on_track"], groups, by="subject_id", min_size=min_size)
    stats = stats.assign(o=stats["subject_id"].map(subject_order(frames)), g=stats.index).sort_values(["o", "g"])
    records = [r for r in stats.to_dict("records") if int(r["n_group"])]
    rows, export_rows = [], []
    for r, (kind_group, kind_rest) in zip(records, _gaps_shown(records, t), strict=True):
        cells, export = _gap_row(frames, r, kind_group, kind_rest, keys)
        rows.append(cells)
        export_rows.append(export)
    return Table(
        key="gaps",
        title="Group gaps",
        headers=_headers(frames.year_ago["name"] if frames.year_ago else ""),
        rows=rows,
        export_headers=list(_EXPORT_HEADERS),
        export_rows=export_rows,
        chart=_chart(rows),
        description="Each group against the rest of the pupils in view; a negative gap means the group is behind.",
    )
