#!/usr/bin/env bash
# setup.sh -- installs what canbao needs from Debian's packages (only what is
# missing) and builds it into build/ (or $CANBAO_BUILD_DIR).
#
#   scripts/setup.sh              install and build
#   scripts/setup.sh --no-build   install only
#   scripts/setup.sh --tests      also what only the tests need: headless
#                                 Chromium and its driver for the browser
#                                 test of the workbench, a CJK font for its
#                                 screenshots, clang and libFuzzer; Java 17
#                                 and Maven, then a real Apache Kafka
#                                 (scripts/kafka.sh install: fetched once
#                                 from Maven Central into a cache)
#
# Installing needs root (or sudo); on a machine that has every package it
# needs neither.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${CANBAO_BUILD_DIR:-build}

# Build and run-time dependencies, and the tools the tests drive.
PACKAGES=(
    build-essential cmake pkg-config
    librdkafka-dev libavro-dev libhiredis-dev libjansson-dev
    libmicrohttpd-dev libcrypt-dev libsodium-dev
    libcmocka-dev valgrind
    redis-server redis-tools kcat curl
    python3 python3-avro python3-stdnum
)

# Only for the tests (scripts/test.sh): the workbench's browser test,
# clang with libFuzzer for the fuzz targets (scripts/fuzz.sh), and Java
# with Maven for the real Kafka (scripts/kafka.sh) and the Java reference
# reader of the topics (the JDK: it is compiled at test time).
TEST_PACKAGES=(chromium chromium-driver fonts-wqy-zenhei clang libclang-rt-14-dev
    docker-compose yamllint openjdk-17-jdk-headless maven)

BUILD=1
TESTS=0
for arg in "$@"; do
    case "$arg" in
    --no-build) BUILD=0 ;;
    --tests) PACKAGES+=("${TEST_PACKAGES[@]}"); TESTS=1 ;;
    *) echo "usage: scripts/setup.sh [--no-build] [--tests]" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
        grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then
            SUDO=sudo
        else
            echo "setup: missing packages (${missing[*]}) and not root;" \
                "run as root or install them" >&2
            exit 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    echo "setup: every package is installed"
fi

# Kafka's jars from Maven Central, once (later runs find them cached)
[ "$TESTS" = 0 ] || scripts/kafka.sh install

[ "$BUILD" = 0 ] && exit 0

echo "setup: building into $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
echo "setup: built $BUILD_DIR/cli/canbao"
