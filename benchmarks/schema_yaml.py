"""Reading a YAML schema: our line-tracking, validating reader vs pandera's own ``from_yaml``.

Both read the same text into a ``DataFrameSchema`` (the test suite checks the results are
identical). Ours also records every key's line, refuses unknown and duplicate keys and checks
every check's arguments; pandera's reads with ``yaml.safe_load`` and trusts the text. Sizes: the
example pipeline's ``schemas/trips.yaml`` (11 columns) and generated schemas of 100 and 1,000
columns with 3 checks each (flat, list and mapping forms mixed). A schema is read once per gate
run, so what matters is that the reader is never the slow part of a run.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import markdown_table, median_seconds, write_results

ROOT = Path(__file__).resolve().parents[1]


def wide_schema(columns: int) -> str:
    lines = ["schema_type: dataframe", "name: wide", "strict: true", "columns:"]
    for i in range(columns):
        lines += [f"  col_{i:04d}:", "    dtype: float64", "    nullable: true"]
        if i % 3 == 0:
            lines += ["    greater_than_or_equal_to: {min_value: 0, mostly: 0.99}", "    less_than: 1000", "    notin: [-1, -2]"]
        elif i % 3 == 1:
            lines += [
                "    checks:",
                "    - min_value: 0",
                "      options: {check_name: greater_than}",
                "    - max_value: 100",
                "      options: {check_name: less_than_or_equal_to, raise_warning: true}",
                "    - value: 7",
                "      options: {check_name: not_equal_to}",
            ]
        else:
            lines += ["    checks:", "      in_range: {min_value: 0, max_value: 10}", "      ne: 3", "      isin: [1.0, 2.0, 3.0]"]
    return "\n".join(lines) + "\n"


def main() -> str:
    from pandera.io import pandas_io

    from quality_gates.checks.schema_yaml import parse_schema_text

    cases = {
        "schemas/trips.yaml (11 columns)": (ROOT / "schemas" / "trips.yaml").read_text(),
        "100 columns × 3 checks": wide_schema(100),
        "1,000 columns × 3 checks": wide_schema(1_000),
    }
    rows, raw = [], {}
    for label, text in cases.items():
        repeats = 5 if len(text) > 100_000 else 20
        ours = median_seconds(lambda text=text: parse_schema_text(text).to_pandera(), repeats=repeats)
        pandera = median_seconds(lambda text=text: pandas_io.from_yaml(text), repeats=repeats)
        rows.append([label, f"{len(text) / 1024:,.1f} KiB", f"{ours * 1e3:,.1f} ms", f"{pandera * 1e3:,.1f} ms", f"{ours / pandera:.2f}×"])
        raw[label] = {"ours_seconds": ours, "pandera_from_yaml_seconds": pandera, "bytes": len(text)}
    table = markdown_table(["schema", "size", "ours (lines, validation)", "pandera from_yaml", "ours / pandera"], rows)
    write_results("schema_yaml", "Reading a YAML schema: ours vs pandera.io.from_yaml (median)", table, raw)
    return table


if __name__ == "__main__":
    print(main())
