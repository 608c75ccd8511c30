# Entry points. Each target sets up what it needs by itself and is safe to re-run.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
# Go builds the release binaries when the mirror cannot be filled from upstream.
export PATH := $(VENV)/bin:/usr/local/go/bin:$(PATH)
export KTHW_CACHE_DIR ?= /var/cache/kthw
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
# Molecule reads these when it creates the fleet.
export KTHW_MIRROR_DIR := $(KTHW_CACHE_DIR)/mirror
# The unprivileged local user that runs the collection in the tests, as an operator would.
export KTHW_OPERATOR ?= kthw-operator
export KTHW_OPERATOR_HOME ?= /home/$(KTHW_OPERATOR)
SCENARIOS ?= ha

.PHONY: help setup venv engine image mirror mirror-previous kube-bench operator cluster test test-full lint unit molecule bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: venv engine image mirror kube-bench operator ## Install the toolchain, start Docker, build the node image, the binary mirror, kube-bench and the operator

venv:
	@tools/setup/venv.sh

engine:
	@tools/setup/docker-engine.sh

image: engine
	@tools/setup/node-image.sh >/dev/null

mirror:
	@tools/mirror/fill.sh >/dev/null

# The releases make test converges at first and then upgrades from.
mirror-previous:
	@tools/mirror/fill.sh previous >/dev/null

kube-bench:
	@tools/cis/kube-bench.sh >/dev/null

operator: venv
	@tools/setup/operator.sh

cluster: setup ## Bring up the three-node HA control plane in local containers
	@tools/cluster.sh

test: setup mirror-previous ## Lint, unit tests and the Molecule scenario ha (SCENARIOS=...), side by side
	@tools/test.sh

# The rehearsals that do not fit the CI's 90 minutes beside make test's.
test-full: setup mirror-previous ## make test, plus the CA rotation rolled back, the leaf rotation resumed, an etcd member taken out and etcd grown back
	@KTHW_SIDE_EFFECTS=side_effect_full.yml KTHW_FULL_TESTS='*_test.py' tools/test.sh

lint: venv
	ansible-lint --profile production
	tools/sanity.sh

unit: venv
	pytest -q tests/unit

molecule: setup mirror-previous
	@tools/setup/clear-fleet.sh
	@tools/setup/operator.sh
	@for s in $(SCENARIOS); do \
	  KTHW_UPGRADE_REHEARSAL=1 KTHW_NODE_IMAGE=$$(tools/setup/node-image.sh) molecule test -s $$s --destroy=never || exit 1; \
	  tools/setup/clear-fleet.sh; \
	done

bench: setup ## Measure converge, re-run, rotation, CIS and five nodes; JSON to bench/results/latest.json
	@KTHW_NODE_IMAGE=$$(tools/setup/node-image.sh) python3 bench/run.py

clean: ## Remove the fleet, the venv and local state (keeps the image and mirror caches)
	-@KTHW_NODE_IMAGE=unused molecule destroy --all >/dev/null 2>&1 || true
	-@docker info >/dev/null 2>&1 && tools/setup/clear-fleet.sh || true
	rm -rf .venv .collections .cache .cluster .ansible bench/results .pytest_cache
