"""The Chainlit screen: messages, the run's task list and progress, results, the workspace user;
``chainlit_app.py`` at the project root is its entry point and wires Chainlit events to it.

May import: ``agent``, ``tools`` and ``generators``.
"""
