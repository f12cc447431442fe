#!/usr/bin/env bash
# Make sure a Docker engine answers. On a Debian/Ubuntu host, as root, with no
# engine installed, install the distribution's engine (docker.io + docker-compose)
# and start it; anywhere else stop with one message saying what to install.
set -euo pipefail

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

engine_answers() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

if engine_answers; then exit 0; fi

is_debian_like() { [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; }

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && is_debian_like && command -v apt-get >/dev/null 2>&1; then
    say "No Docker engine found: installing the distribution's docker.io and docker-compose (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null
  else
    die "no Docker engine answers. Install Docker (https://docs.docker.com/engine/install/) and make sure 'docker info' works for this user, then run this again."
  fi
fi

# An engine is installed but not answering: start it.
if [ "$(id -u)" != 0 ]; then
  die "the Docker engine is installed but not running, and starting it needs root: run 'sudo systemctl start docker' (or ask your admin)."
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  say "Starting the Docker engine (systemctl)"
  systemctl start docker || true
fi
if ! engine_answers; then
  say "Starting the Docker engine (dockerd in the background, log: /var/log/dockerd.log)"
  nohup dockerd --storage-driver=overlay2 >/var/log/dockerd.log 2>&1 &
fi
for _ in $(seq 1 60); do
  engine_answers && { say "Docker engine is up"; exit 0; }
  sleep 1
done
die "the Docker engine did not answer within 60 s; see /var/log/dockerd.log"
