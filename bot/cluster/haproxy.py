"""The load balancer's configuration for the cluster on one machine (HAProxy from Debian)."""
from __future__ import annotations

from typing import List


def config(lb_port: int, rasa_ports: List[int], actions_lb_port: int, actions_ports: List[int]) -> str:
    rasa = "\n".join(f"    server rasa{i} 127.0.0.1:{port} check" for i, port in enumerate(rasa_ports, 1))
    actions = "\n".join(f"    server actions{i} 127.0.0.1:{port} check"
                        for i, port in enumerate(actions_ports, 1))
    return f"""# Written by `make run-cluster` (bot/cluster/haproxy.py); changes here are overwritten.
global
    maxconn 4096
    log stdout format raw local0 info

defaults
    mode http
    # One line a request: the server that took it, timings and how it ended.
    log global
    option httplog
    timeout connect 3s
    timeout client 120s
    timeout server 120s
    # socket.io keeps a websocket open for the whole chat.
    timeout tunnel 1h
    # A server that has just died refuses connections: try the next one. Only a refused
    # connection is retried, so no message is ever handled twice.
    retries 3
    retry-on conn-failure
    option redispatch
    # A fresh connection to the server for each request: reusing an idle one that the server is
    # just closing (Sanic's keep-alive timeout) would turn a resident's message into a 502.
    option http-server-close
    default-server inter 2s fall 2 rise 2

# Residents' chat (REST and socket.io) and, for operators, Rasa's HTTP API.
frontend chat
    bind 127.0.0.1:{lb_port}
    # A websocket is one connection, so it can go to any server; socket.io's long-polling
    # fallback is many requests, which must reach the server that holds the session.
    acl socketio path_beg /socket.io
    acl websocket url_param(transport) -m str websocket
    use_backend rasa if socketio websocket
    use_backend rasa_socketio if socketio
    default_backend rasa

# REST and websockets need no stickiness: every server reads the conversation from PostgreSQL,
# under Redis's lock.
backend rasa
    balance roundrobin
    # A server that dies while it has a resident's message gives no answer at all: the message goes
    # to the other server. Rasa saves a conversation only when a message is fully handled, so the
    # message is handled once (unless the server died in the instant between saving and answering).
    retry-on conn-failure empty-response
    # The whole message is held here first, so it can be sent again.
    option http-buffer-request
    option httpchk GET /webhooks/ops/ready
{rasa}

# socket.io's long-polling fallback needs each resident's requests on one server (by address).
# Messages to a socket cross servers through Redis.
backend rasa_socketio
    balance source
    hash-type consistent
    option httpchk GET /webhooks/ops/ready
{rasa}

# Rasa calls its action servers through here.
frontend actions
    bind 127.0.0.1:{actions_lb_port}
    default_backend actions

backend actions
    balance roundrobin
    option httpchk GET /health
{actions}
"""
