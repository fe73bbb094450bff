"""The language server (`lambdalint server`): `checker` checks editor buffers with the
engine, `text` converts positions and builds text changes, `server` speaks the protocol
on pygls (the `lsp` extra; only `server` imports it)."""
