#!/usr/bin/env bash
# Make sure the Debian base image (e.g. debian:trixie-slim) exists locally.
# With a registry: docker pull. Without one (air-gapped labs): build the same tag
# here with debootstrap --variant=minbase, slimmed like the official image.
# Usage: base_os.sh <release> [mirror]
set -euo pipefail
release="${1:?usage: base_os.sh <debian release> [mirror]}"
mirror="${2:-${DEBIAN_MIRROR:-http://deb.debian.org/debian}}"
tag="debian:${release}-slim"
say() { printf '==> %s\n' "$*" >&2; }

if docker image inspect "$tag" >/dev/null 2>&1; then exit 0; fi
say "Pulling $tag"
if timeout 60 docker pull -q "$tag" >/dev/null 2>&1; then exit 0; fi

say "No registry answers: bootstrapping $tag locally with debootstrap from $mirror (about a minute)"
command -v debootstrap >/dev/null 2>&1 || {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  else
    echo "error: $tag is not available and debootstrap is missing: install debootstrap (or give this host registry access)" >&2; exit 1
  fi
}
[ "$(id -u)" = 0 ] || { echo "error: bootstrapping $tag needs root (debootstrap)" >&2; exit 1; }
root="$(mktemp -d "/tmp/debootstrap-${release}.XXXXXX")"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase "$release" "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -n 20 "$root.log" >&2; echo "error: debootstrap of $release failed (log above)" >&2; exit 1; }
rm -f "$root.log"
# Slim like the official -slim image: no docs, man pages, locales or apt lists.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
       "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
       "$root"/var/log/*.log "$root"/tmp/*
find "$root"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
printf 'deb http://deb.debian.org/debian %s main\ndeb http://deb.debian.org/debian %s-updates main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
  "$release" "$release" "$release" > "$root"/etc/apt/sources.list
tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$tag" >/dev/null
say "Built $tag locally ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
