#!/bin/sh
# The image's entry point: `docker run IMAGE ROLE` starts one process of the assistant.
#
#   rasa | actions | web | worker | backoffice   ->  brackenford serve ROLE   (bot/serve.py)
#   migrate                                      ->  brackenford db upgrade   (run once, before the others)
#   anything else                                ->  run as given, e.g. `brackenford staff add sam --role admin`
#
# Every branch execs, so the process started here receives the container's signals.
set -e

case "${1:-}" in
    rasa|actions|web|worker|backoffice)
        exec brackenford serve "$@" ;;
    migrate)
        shift
        exec brackenford db upgrade "$@" ;;
    "")
        echo "Give a role: rasa, actions, web, worker, backoffice, or migrate (see deploy/README.md)." >&2
        exit 64 ;;
    *)
        exec "$@" ;;
esac
