"""Interaction, callback, option and component type numbers, and the callbacks Discord accepts per interaction type."""

from __future__ import annotations

# docs: Interactions > Receiving and Responding > Interaction Type
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# docs: Interactions > Receiving and Responding > Interaction Callback Type
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
MODAL = 9
LAUNCH_ACTIVITY = 12

# Which callback types Discord accepts for each interaction type.
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    PING: frozenset({PONG}),
    APPLICATION_COMMAND: frozenset(
        {CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, MODAL, LAUNCH_ACTIVITY}
    ),
    MESSAGE_COMPONENT: frozenset(
        {
            CHANNEL_MESSAGE_WITH_SOURCE,
            DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            DEFERRED_UPDATE_MESSAGE,
            UPDATE_MESSAGE,
            MODAL,
        }
    ),
    APPLICATION_COMMAND_AUTOCOMPLETE: frozenset({APPLICATION_COMMAND_AUTOCOMPLETE_RESULT}),
    MODAL_SUBMIT: frozenset(
        {CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE}
    ),
}
# Callback types that answer on the message the component sits on (so they need one).
UPDATES_SOURCE_MESSAGE = frozenset({DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE})

# docs: Interactions > Application Commands > Application Command Option Type
OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_BOOLEAN = 5
OPT_USER = 6
OPT_CHANNEL = 7
OPT_ROLE = 8
OPT_MENTIONABLE = 9
OPT_NUMBER = 10
OPT_ATTACHMENT = 11

# docs: Interactions > Message Components > Component Types (the ones a user can click or pick)
BUTTON = 2
STRING_SELECT = 3
USER_SELECT = 5
ROLE_SELECT = 6
MENTIONABLE_SELECT = 7
CHANNEL_SELECT = 8
