"""Glossary Bot: a Discord bot that teaches a community its vocabulary."""

__version__ = "0.1.0"
