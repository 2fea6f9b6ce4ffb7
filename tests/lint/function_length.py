#!/usr/bin/env python3
"""No function in src/ or apps/ longer than 100 lines without a reason (CTest test
function_length, label lint).

A function's length is the lines from its opening brace's line to its closing brace's, found by
matching braces outside comments, strings and character literals; braces of `namespace` blocks
do not open a function. A longer function passes when the comment block right above it (or
above its signature) has a line starting `// Long:` that says why it is one piece.

Usage: function_length.py ROOT [--max 100]
"""
import argparse
import pathlib
import re
import sys

STRIP = [(re.compile(r'R"\((?:.|\n)*?\)"'), '""'),   # raw strings (one line at a time here)
         (re.compile(r'"(?:[^"\\]|\\.)*"'), '""'),
         (re.compile(r"'(?:[^'\\]|\\.)*'"), "''"),
         (re.compile(r"//.*"), "")]


def code_of(line):
    for pattern, replacement in STRIP:
        line = pattern.sub(replacement, line)
    return line


def functions(lines):
    """(first line, last line) of every top-level brace block that is not a namespace, 0-based."""
    depth, namespaces, start, in_block_comment = 0, 0, None, False
    for i, raw in enumerate(lines):
        line = raw
        if in_block_comment:
            if "*/" not in line:
                continue
            line, in_block_comment = line.split("*/", 1)[1], False
        line = code_of(line)
        if "/*" in line:
            before, after = line.split("/*", 1)
            in_block_comment = "*/" not in after
            line = before + (after.split("*/", 1)[1] if not in_block_comment else "")
        for ch in line:
            if ch == "{":
                if depth == namespaces and re.match(r'\s*(inline\s+)?namespace\b|\s*extern "C"', raw):
                    namespaces += 1
                elif depth == namespaces and start is None:
                    start = i
                depth += 1
            elif ch == "}":
                depth -= 1
                namespaces = min(namespaces, depth)
                if start is not None and depth == namespaces:
                    yield start, i
                    start = None


def reason_above(lines, first):
    """Whether the comment block above the function (skipping its signature lines) has
    `// Long:`."""
    i = first
    while i > 0 and not lines[i - 1].strip().startswith("//") and lines[i - 1].strip():
        i -= 1  # the signature's lines
    while i > 0 and lines[i - 1].strip().startswith("//"):
        i -= 1
        if lines[i].strip().startswith("// Long:"):
            return True
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=pathlib.Path)
    parser.add_argument("--max", type=int, default=100)
    args = parser.parse_args()
    bad = []
    for folder in ("src", "apps"):
        for path in sorted((args.root / folder).rglob("*.cpp")):
            lines = path.read_text(encoding="utf-8").split("\n")
            for first, last in functions(lines):
                length = last - first + 1
                if length > args.max and not reason_above(lines, first):
                    bad.append(f"{path.relative_to(args.root)}:{first + 1}: {length} lines: "
                               f"{lines[first].strip()[:80]}")
    for line in bad:
        print(line)
    print(f"function_length: {len(bad)} function(s) over {args.max} lines without a "
          f"'// Long:' reason")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
