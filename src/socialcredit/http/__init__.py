"""What the API and the web pages share at the HTTP edge: authentication, problem
details, rate limits and the guards every response passes through.

``api/`` and ``web/`` both import from here and never from each other; ``server.py``
builds the one app that mounts both.
"""
