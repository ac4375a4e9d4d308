"""The term of the day: a daily card per server, at the server's local time, exactly once.

``schedule`` (wall-clock rules), ``rotation`` (which term), ``planner`` (due schedules + now -> sends and
writes, no I/O), ``dispatch`` (sending with a bound and a timeout), ``store`` (the tables), ``service``
(what the commands and the scheduler loop call), ``replies`` (what the commands answer), ``ports`` (what
the scheduler needs from outside: a clock and a poster).
"""
