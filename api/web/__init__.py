"""Web pages for people (link workers, advisers) served by the FastAPI app.

``api.web.templating`` holds the shared NHS.UK layout and ``render``; the
questionnaire pages live in ``api.web.questionnaire``.
"""
