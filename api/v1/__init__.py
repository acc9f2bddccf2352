"""The JSON API: ``/v1`` for discharge teams, link-worker systems and advice agencies (issue 7),
and ``/healthz`` and ``/readyz``. One module per resource; :func:`api.app.create_app` includes
each module's ``router``.
"""
