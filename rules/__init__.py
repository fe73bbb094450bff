"""lambdalint's built-in rules: one module per rule, named after its code and name.

Installed as ``lambdalint.rules``. Modules whose names start with an
underscore hold shared helpers and are not scanned for rules.
"""
