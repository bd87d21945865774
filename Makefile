# Two commands on a fresh machine: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.10 (Rasa 3.6 supports no newer). Override with `make run PYTHON=/path/to/python3.10`.
PYTHON ?= $(shell for p in "$$(pyenv root 2>/dev/null)/versions/$$(cat .python-version)/bin/python" \
	"$$HOME/.pyenv/versions/$$(cat .python-version)/bin/python" "$$(command -v python3.10)"; do \
	[ -x "$$p" ] && { echo "$$p"; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
SPACY_MODEL := models/spacy/en_council/meta.json
MODEL := models/brackenford.tar.gz
TRAINING_FILES := config.yml $(shell find data/domain data/nlu data/rules data/stories -name '*.yml' 2>/dev/null)

export TF_CPP_MIN_LOG_LEVEL ?= 3
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export PYTHONWARNINGS ?= ignore::DeprecationWarning
# Room in Rasa's training cache for a whole model, so a publish from the studio reuses what did not change.
export RASA_MAX_CACHE_SIZE ?= 5000
# Procfile commands (rasa, python) come from the project virtualenv.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help install spacy train run run-cluster test validate bench clean browser-deps service-deps

help:
	@echo "make run    start the whole assistant (Rasa :5005, actions :5055, web :8000)"
	@echo "make run-cluster  the production topology: load balancer, 2 Rasa and 2 action servers, PostgreSQL, Redis"
	@echo "make test   run the whole test suite"
	@echo "make bench  print NLU accuracy and speed figures"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.10 not found: install it (pyenv install 3.10.13) or set PYTHON=/path/to/python3.10"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	deploy/install.sh $(VENV)
	touch $@

install: $(VENV)/.installed

$(SPACY_MODEL): $(VENV)/.installed bot/nlp/pipeline.py data/council/streets.csv data/council/phrases.yml
	$(BIN)/python -m bot.nlp.pipeline

spacy: $(SPACY_MODEL)

# Rasa also skips training itself when nothing changed (its fingerprint).
$(MODEL): $(SPACY_MODEL) $(TRAINING_FILES)
	$(BIN)/rasa train --domain data/domain --data data/nlu data/rules data/stories \
		--config config.yml --out models --fixed-model-name brackenford
	@touch $@   # rasa keeps the old file when nothing changed; mark it up to date for make
	@$(BIN)/python -m bot.cli fingerprint > $@.understanding   # lets the studio see when only answers change

train: $(MODEL)

validate: $(MODEL)
	$(BIN)/rasa data validate --domain data/domain --data data/nlu data/rules data/stories --config config.yml

# `bot.cli run`: honcho with the generated secrets in .env filling gaps; what you export wins.
run: $(MODEL)
	$(BIN)/python -m bot.cli run

# The production topology on this machine: PostgreSQL, Redis and HAProxy from Debian (bot/cluster).
run-cluster: $(MODEL) service-deps
	@$(BIN)/python -m bot.cli urls --cluster
	$(BIN)/python -m bot.cluster

# Browser tests: Debian's Chromium, and axe-core from npm (pinned in tests/browser/package-lock.json).
browser-deps:
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	@test -f tests/browser/node_modules/axe-core/axe.min.js || npm ci --prefix tests/browser --no-audit --no-fund

# The production parts, started for real by the tests that need them.
service-deps:
	@{ ls /usr/lib/postgresql/*/bin/initdb && command -v redis-server && command -v haproxy; } >/dev/null 2>&1 || { \
		echo "Installing Debian's postgresql, redis-server and haproxy"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql redis-server haproxy; }

test: $(MODEL) browser-deps service-deps
	$(BIN)/python -m pytest

bench: $(MODEL)
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) models/brackenford.tar.gz models/spacy results .pytest_cache
