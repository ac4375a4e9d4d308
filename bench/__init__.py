"""Glossary Bot benchmarks: ``python -m bench`` (``make bench``) and ``python -m bench --quick``.

Synthetic glossaries of 1,000 to 100,000 terms, generated deterministically, measured through the same code
paths the bot uses (loader, store, library, matching index, cards, term-of-the-day scheduler, and the real bot
behind the local Discord emulator), against the targets in ``bench.report``.
"""
