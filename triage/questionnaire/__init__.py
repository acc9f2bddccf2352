"""The link-worker questionnaire: data in ``rules/questionnaire/``, flow logic here.

* :mod:`triage.questionnaire.model` - sections, pages, questions (answer types, facts set);
* :mod:`triage.questionnaire.conditions` - ``show_if`` on earlier answers;
* :mod:`triage.questionnaire.text` - wording per language, keyed by id;
* :mod:`triage.questionnaire.loader` - load and validate (errors name file, line, id);
* :mod:`triage.questionnaire.answers` - read and check one answer (form, terminal, JSON);
* :mod:`triage.questionnaire.flow` - next page, answers to facts, provisional assessment.
"""

from triage.questionnaire.loader import Questionnaire, QuestionnaireError, load_questionnaire

__all__ = ["Questionnaire", "QuestionnaireError", "load_questionnaire"]
