"""Stand-in for the pip bootstrap script that ansible-test downloads from a host
this machine cannot reach. ansible-test runs it like get-pip.py: its arguments
are pip install options and packages. ensurepip provides a pip from the Python
installation itself; that pip then installs the requested ones from PyPI."""

import subprocess
import sys


def main():
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"],
                          stdout=subprocess.DEVNULL)
    # get-pip.py flags that pip install itself does not know.
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + args)


if __name__ == "__main__":
    main()
