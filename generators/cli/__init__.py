"""`idgraph`, the command line: ``main`` parses and dispatches; one module per larger command
(``generate``, ``validate``, ``docs``), the progress bars and Ctrl-C handling.

May import: every other ``generators`` package.
"""
