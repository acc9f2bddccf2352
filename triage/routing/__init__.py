"""Where a person is (``place``), who can help (``directory``) and which agency fits each need (``matching``)."""
