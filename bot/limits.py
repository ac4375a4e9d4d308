"""Discord's hard limits, in one place, so cards, validation, autocomplete and tests agree on them.

Source: Discord API documentation (Channel > Embed Limits; Message Components; Application Commands >
Autocomplete). The glossary limits are ours: chosen so that every valid entry renders without cutting.
"""

from __future__ import annotations

EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
MESSAGE_CONTENT = 2000

BUTTONS_PER_ROW = 5
ROWS_PER_MESSAGE = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80

AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100

INTERACTION_DEADLINE_S = 3.0

MODAL_TITLE = 45
MODAL_INPUTS = 5
TEXT_INPUT_LABEL = 45
TEXT_INPUT_VALUE = 4000

# Discord's error code for an interaction whose 3 seconds have passed (or that does not exist).
UNKNOWN_INTERACTION = 10062

# Glossary rules derived from the above.
TERM_NAME = 80  # a term's name is a button label and an autocomplete choice value
ALIAS = 80
MAX_RELATED = 20  # four rows of five buttons, leaving a row free
MAX_FAQ = 10
MAX_ALIASES = 25
GLOSSARY_NAME = 100  # a glossary's name, in every card's footer
QUERY_KEY = 100  # what matching keeps of a normalized query: no name is longer

# Longest text each string option takes (declared to Discord as max_length, so it refuses longer input).
TERM_OPTION = 100  # a term, alias or acronym; choice values are at most 100 as well
QUERY_OPTION = 200  # /search words
EXPLAIN_OPTION = 4000  # /explain text: a long message (Discord allows up to 6000)
TIME_OPTION = 5  # HH:MM
ZONE_OPTION = 64  # the longest IANA zone key is 32 characters
RELATED_OPTION = 1000  # comma-separated names of related terms
