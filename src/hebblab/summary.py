"""What a quick report found, in words and tables: the claims, the headline numbers, the findings.

The same text goes on the report page and into the README (between the markers below), so the
README never quotes a number the code no longer produces: ``scripts/update_readme.py`` rewrites
the block from a seed-1 quick run, and a test checks the README against the current code.
"""

from __future__ import annotations

from .claims import ARTICLE
from .stats import fmt

BEGIN = "<!-- BEGIN GENERATED: scripts/update_readme.py writes this block from `hebblab report --quick --seed 1` -->"
END = "<!-- END GENERATED -->"


def _headline_for(exp, key):
    for h in exp.summary:
        if h.key == key:
            return h
    return None


def value_text(exp, key, value) -> str:
    """A headline value in human form, with the unit its experiment declares for it."""
    h = _headline_for(exp, key)
    if h is None:
        return fmt(value)
    return fmt(value, h.digits, h.percent, h.unit)


def claim_rows(claims: list[dict]) -> list[tuple[str, str, str, str]]:
    """(claim, verdict, deciding number in words, experiment) for each claim."""
    from .experiments import EXPERIMENTS
    out = []
    for row in claims:
        exp = EXPERIMENTS[row["experiment"]]
        if row["verdict"] == "not run":
            out.append((row["claim"], "not run", "", row["experiment"]))
            continue
        h = _headline_for(exp, row["headline"])
        if h is not None:
            number = f"{h.label}: {value_text(exp, row['headline'], row['display'])}"
        else:
            f = row.get("format", {})
            text = fmt(row["display"], f.get("digits", 3), f.get("percent", False), f.get("unit", ""))
            number = f"{row.get('label') or row['headline']}: {text}"
        if row.get("note"):  # beside the number, not deciding (Verdict.note)
            number += f"; {row['note']}"
        out.append((row["claim"], row["verdict"], number, row["experiment"]))
    return out


def headline_rows(runs) -> list[tuple[str, str, str]]:
    """(experiment, label, value) for every declared summary headline of every run."""
    rows = []
    for exp, result in runs:
        for h in exp.summary:
            rows.append((exp.name, h.label, h.text(result)))
    return rows


def _html(text: str) -> str:
    import html
    return html.escape(str(text), quote=False)


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(runs, claims: list[dict], seed: int = 1) -> str:
    """The README block: the claims table, the headline table and one finding per experiment."""
    lines = [BEGIN, "", f"### The article's claims ({ARTICLE})", "",
             "Each verdict is computed from the number beside it by the criterion its experiment states "
             "(claims.json in the report folder has the criterion and conditions of each).", "",
             "| claim | verdict | deciding number [95 % interval] | experiment |", "|---|---|---|---|"]
    for claim, verdict, number, exp in claim_rows(claims):
        lines.append(f"| {_md_cell(claim)} | **{verdict}** | {_md_cell(number)} | {exp} |")
    lines += ["", f"### Headline numbers (quick report, seed {seed}; [95 % interval] over replicates, n in results.json)",
              "", "| experiment | headline | value |", "|---|---|---|"]
    for exp, label, text in headline_rows(runs):
        lines.append(f"| {exp} | {_md_cell(label)} | {_md_cell(text)} |")
    lines += ["", "### What the experiments found", "",
              "Each paragraph gives the numbers with their 95 % intervals and the conditions they hold under "
              "(click to open).", ""]
    for exp, result in runs:
        if exp.finding is not None:
            lines += [f"<details><summary><b>{exp.name}</b>: {_html(exp.question)}</summary>", "",
                      _html(exp.finding(result)), "", "</details>", ""]
    lines += ["", END]
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """``text`` with its generated block replaced by ``block`` (ValueError if it has none)."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError("README has no generated block (markers missing)")
    return text[:start] + block + text[end + len(END):]


def current_block(text: str) -> str:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError("README has no generated block (markers missing)")
    return text[start:end + len(END)]
