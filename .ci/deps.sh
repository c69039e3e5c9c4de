#!/usr/bin/env bash
# Install the Debian packages racktop needs, only those that are missing.
#   .ci/deps.sh          build and run (the console on the demo fleet)
#   .ci/deps.sh --test   also what the test suite needs (cmocka, tmux, jq, sqlite3, sshd, ...)
# Runs as root, or through sudo when it is available.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libncurses-dev libcurl4-openssl-dev libjansson-dev
      libsqlite3-dev libssh-dev libvterm-dev libyaml-dev libvirt-dev libxml2-dev)
if [ "${1:-}" = "--test" ]; then
    pkgs+=(libcmocka-dev tmux jq sqlite3 python3 procps openssh-server openssh-client
           libvirt-daemon-system qemu-system-x86 qemu-utils busybox-static cpio linux-image-cloud-amd64
           openssl ironic-api ironic-conductor python3-openstackclient python3-ironicclient
           vim-tiny htop)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" != 0 ]; then
    command -v sudo > /dev/null || { echo "run as root or install sudo" >&2; exit 1; }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
