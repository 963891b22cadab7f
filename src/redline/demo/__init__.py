"""Demo data: a month of a Tmall shop written in its real export formats.

:mod:`.generate` draws the month from a seed (one module per export: :mod:`.orders`,
:mod:`.refunds`, :mod:`.chats`, on the world of :mod:`.vocabulary` and :mod:`.world`);
:mod:`.load` imports it into a store and runs QA. May use the store, the importers and
the domain; never the web or the CLI.
"""
