#!/usr/bin/env bash
# Runs ansible-test sanity on a copy of the collection laid out where
# ansible-test expects it (ansible_collections/kthw/control_plane), with the
# repository's own ignore files, which are kept empty.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${KTHW_CACHE_DIR:-/var/cache/kthw}/sanity
dest="$work/ansible_collections/kthw/control_plane"
core=$(grep '^ansible-core==' "$root/requirements.txt")

# ansible-test installs its own pinned linters: keep them out of the project venv.
venv="$work/venv"
if [ "$("$venv/bin/pip" freeze 2>/dev/null | grep '^ansible-core==')" != "$core" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$core"
fi
export PATH="$venv/bin:$PATH"

# Per-test venvs are bootstrapped with a script from a host that is unreachable
# here; ours does the same with ensurepip and PyPI.
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',\$/\1/p" \
  "$(python3 -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')/_internal/python_requirements.py")
bootstrap="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
mkdir -p "$(dirname "$bootstrap")"
cp "$root/tools/get_pip_offline.py" "$bootstrap"

command -v shellcheck >/dev/null 2>&1 || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
}

rm -rf "$dest"
mkdir -p "$dest"
# Tracked and new files as they are in the work tree (deleted ones left out).
(cd "$root" && git ls-files -co --exclude-standard | while IFS= read -r f; do
  [ -e "$f" ] && printf '%s\0' "$f"; done | xargs -0 cp --parents -t "$dest")
cd "$dest"
python_version=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ansible-test sanity --requirements --python "$python_version" --color no "$@"
