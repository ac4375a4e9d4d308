"""discord.py extensions: thin adapters from interactions to the glossary core in ``bot``."""
