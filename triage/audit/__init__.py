"""The rule-set audit toolkit: lint, explain, coverage, diff, report, synthetic corpora.

Each module holds one tool and is a plain library call; ``triage/cli/audit.py``
is the command-line shell around them. See ``docs/audit.md``.
"""
