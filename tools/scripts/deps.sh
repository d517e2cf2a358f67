# Sourced by tools/start and tools/test: makes sure the Debian packages of the build are
# installed. As root it installs what is missing; otherwise it prints the exact command.

TETHER_PACKAGES=(
  cmake g++ ninja-build pkg-config
  libwebsockets-dev libwebsockets-evlib-uv libuv1-dev libmsgpack-cxx-dev
  libsqlite3-dev libssl-dev libargon2-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libyaml-cpp-dev
  libgtest-dev
  tmux openssl python3
  asciinema
)

# The sanitizer and fuzzing stages of .ci/run also need clang (libFuzzer ships with it).
TETHER_CI_PACKAGES=(clang)

tether_missing_packages() {
  local missing=() pkg
  for pkg in "${TETHER_PACKAGES[@]}" ${TETHER_WITH_CI_PACKAGES:+"${TETHER_CI_PACKAGES[@]}"}; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  echo "${missing[@]}"
}

tether_ensure_packages() {
  local missing
  missing=$(tether_missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y $missing" >&2
    return 1
  fi
  echo "Installing: $missing"
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine may have no package lists yet: update only when install fails.
  # shellcheck disable=SC2086
  apt-get install -y -q $missing >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null; }
}

# Configures (once) and builds the given targets in ./build (Release, tests included so
# that tools/start and tools/test share one build).
tether_build() {
  if [ ! -f build/build.ninja ]; then
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  else
    # The README's commands build and test everything: a build directory configured
    # before a test folder was added must not keep an older list of them.
    cmake -U TETHER_TEST_DIRS build >/dev/null
  fi
  cmake --build build -j "$(nproc)" "$@"
}
