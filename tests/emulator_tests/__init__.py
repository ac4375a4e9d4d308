"""Tests proving the Discord emulator against discord.py itself."""
