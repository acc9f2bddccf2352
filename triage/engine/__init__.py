"""The engine: case facts and a dated rule set in, an assessment out.

``engine.Engine`` drives durable-rules through ``durable_runner``; ``findings``
and ``questions`` turn the rules that fired into needs, deadlines and the
questions still worth asking; ``batch`` runs many cases over forked workers.
"""
