"""Compares two `critnet sweep collect` tables (table.csv) cell for cell.

    compare_tables.py EXPECTED.csv ACTUAL.csv CELLS

Both must have the same columns and the same rows in the same order, and name exactly CELLS
distinct cells. Text fields must be equal; numbers equal to a relative 1e-9 (both runs are
the same binary with one thread, so they agree to the last bit in practice; the tolerance
only keeps the test from depending on that). Columns of wall-clock time are skipped.
"""
import csv
import math
import sys


def load(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def same(a, b):
    x, y = number(a), number(b)
    if x is None or y is None:
        return a == b
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


def main():
    expected_path, actual_path, cells = sys.argv[1], sys.argv[2], int(sys.argv[3])
    columns, expected = load(expected_path)
    actual_columns, actual = load(actual_path)
    errors = []
    if columns != actual_columns:
        errors.append(f"columns differ:\n  {columns}\n  {actual_columns}")
    if len(expected) != len(actual):
        errors.append(f"{len(expected)} rows expected, {len(actual)} found")
    cell_column = next((c for c in columns if c in ("cell", "cell_id", "id")), None)
    if cell_column is None:
        errors.append(f"no cell column among {columns}")
    else:
        for name, rows in (("expected", expected), ("actual", actual)):
            found = len({r[cell_column] for r in rows})
            if found != cells:
                errors.append(f"{name} table names {found} cells, not {cells}")
    skipped = [c for c in columns if "seconds" in c or c.endswith("_time")]
    for i, (e, a) in enumerate(zip(expected, actual)):
        for c in columns:
            if c in skipped or c not in a:
                continue
            if not same(e[c], a[c]):
                errors.append(f"row {i + 2}, {c}: expected {e[c]!r}, found {a[c]!r}")
    if errors:
        print("compare_tables: the tables differ:", *errors[:20], sep="\n  ")
        sys.exit(1)
    print(f"compare_tables: {len(expected)} rows over {cells} cells agree "
          f"({len(columns) - len(skipped)} columns compared)")


if __name__ == "__main__":
    main()
