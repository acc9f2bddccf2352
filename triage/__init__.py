"""Health justice advice triage engine.

The library turns a person's answers into legal needs (area, issue, tier,
urgency, dated deadlines and reasons) using dated, sourced rule sets that are
compiled into durable-rules. Web pages, the API and the CLI are thin shells
around the functions exported here.
"""

__version__ = "0.1.0"
