"""Reference relays for bench/load.py ``--relay``: the least a Socket.IO server must do for
the bench's phones and boards (rooms and broadcasts, no database), on Flask-SocketIO with
gevent (:mod:`bench.relay.flask_relay`) and on Node with socket.io 4 (``node/server.js``).
Measured in the same window as the app, they show what the app adds to the relay's cost.

This package imports nothing at start: the Flask relay must monkey-patch the standard
library before anything else is imported.
"""
