# Copyright (c) 2026, kthw.control_plane contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd_exec_args: every flag value reaches the process exactly as given, read back through a
parser of systemd's own rules for ExecStart= (systemd.service(5) "Command lines", systemd.syntax(7)),
and what cannot go on one line of a unit is refused, naming the flag."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import shlex
import shutil
import subprocess

import pytest
from ansible.errors import AnsibleFilterError
from jinja2 import Environment

from ansible_collections.kthw.control_plane.plugins.filter.systemd_exec_args import systemd_exec_args

# --- a minimal reader of a unit's ExecStart=, in systemd's order ------------------------------

_SEPARATORS = " \t\n\r"
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
            '"': '"', "'": "'", "s": " "}


class Refused(Exception):
    """systemd would log an error and ignore the line, or substitute something."""


def _logical_lines(text):
    """Lines, a line ending in an unescaped backslash joined to the next with a space (conf-parser.c)."""
    lines, pending = [], None
    for line in text.split("\n"):
        line = line if pending is None else pending + line
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2:
            pending = line[:-1] + " "
            continue
        pending = None
        lines.append(line)
    if pending is not None:
        lines.append(pending)
    return lines


def _words(value):
    """extract_first_word() with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE, word after word."""
    words, i = [], 0
    while True:
        while i < len(value) and value[i] in _SEPARATORS:
            i += 1
        if i == len(value):
            return words
        word, quote = [], None
        while i < len(value):
            char = value[i]
            if char == "\\":
                if i + 1 == len(value) or value[i + 1] not in _ESCAPES:
                    raise Refused("unknown escape in %r" % value[i:i + 2])
                word.append(_ESCAPES[value[i + 1]])
                i += 2
                continue
            i += 1
            if quote:
                if char == quote:
                    quote = None
                else:
                    word.append(char)
            elif char in "'\"":
                quote = char
            elif char in _SEPARATORS:
                break
            else:
                word.append(char)
        if quote:
            raise Refused("unterminated quote")
        words.append("".join(word))


def _specifiers(word):
    """unit_full_printf(): %% is %, any other specifier would be expanded."""
    if re.search(r"%[^%]|%$", word.replace("%%", "")):
        raise Refused("a specifier would be expanded in %r" % word)
    return word.replace("%%", "%")


def _environment(word):
    """replace_env_argv(): $$ is $, $NAME as a word or ${NAME} anywhere would be substituted."""
    out, i = [], 0
    while i < len(word):
        if word[i] == "$":
            if word[i + 1:i + 2] != "$":
                raise Refused("an environment variable would be substituted in %r" % word)
            out.append("$")
            i += 2
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def exec_start_argv(unit):
    """The argv systemd starts for the unit's ExecStart= line."""
    found = [line for line in _logical_lines(unit) if line.strip().startswith("ExecStart=")]
    assert len(found) == 1, found
    return [_environment(_specifiers(word)) for word in _words(found[0].strip()[len("ExecStart="):])]


def unit_for(flags, variable="etcd_extra_flags"):
    """The [Service] part of a unit, with its arguments laid out as the roles' templates lay them out."""
    arguments = systemd_exec_args(flags, variable)
    return "[Service]\nExecStart=/usr/local/bin/etcd%s\n\nRestart=on-failure\n" % "".join(
        " \\\n  " + argument for argument in arguments)


# --- the filter --------------------------------------------------------------------------------

VALUES = [
    ("", "--f="),
    ("plain", "--f=plain"),
    ("https://10.0.0.1:2379,https://127.0.0.1:2379", "--f=https://10.0.0.1:2379,https://127.0.0.1:2379"),
    ("*,-csrsigning", "--f=*,-csrsigning"),
    ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
     "--f=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (8589934592, "--f=8589934592"),
    (True, "--f=True"),
    ("50%", "--f=50%%"),
    ("%n%i", "--f=%%n%%i"),
    ("$HOME", "--f=$$HOME"),
    ("${ETCD_INITIAL_CLUSTER}", "--f=$${ETCD_INITIAL_CLUSTER}"),
    ("a b", '"--f=a b"'),
    ("  padded  ", '"--f=  padded  "'),
    ('say "hi"', '"--f=say \\"hi\\""'),
    ("it's", "\"--f=it's\""),
    ("C:\\dir\\n", '"--f=C:\\\\dir\\\\n"'),
    ("ends with a backslash\\", '"--f=ends with a backslash\\\\"'),
    ("\\", '"--f=\\\\"'),
    (";", "--f=;"),
    ("#not a comment", '"--f=#not a comment"'),
    ("100% of $X in 'q' \"d\" \\ ${Y}", '"--f=100%% of $$X in \'q\' \\"d\\" \\\\ $${Y}"'),
    ("ünïcode ✓", '"--f=ünïcode ✓"'),
    ("nbsp\u00a0here", '"--f=nbsp\u00a0here"'),
]


@pytest.mark.parametrize("value, written", VALUES)
def test_each_value_is_written_and_read_back_as_given(value, written):
    assert systemd_exec_args({"f": value}) == [written]
    assert exec_start_argv(unit_for({"f": value})) == ["/usr/local/bin/etcd", "--f=%s" % value]


def test_many_flags_in_one_unit_read_back_one_argument_each():
    flags = {"name": "cp1", "log-outputs": "a b", "quota": "50%", "env": "$HOME", "path": "C:\\x\\",
             "quote": 'x"y', "empty": "", "single": "'"}
    argv = exec_start_argv(unit_for(flags))
    assert argv == ["/usr/local/bin/etcd"] + ["--%s=%s" % (k, flags[k]) for k in sorted(flags)]


def test_systemd_itself_reads_every_argument_without_a_warning(tmp_path):
    """The independent reader: systemd-analyze verify warns about bad escapes and refuses bad quoting."""
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.fail("systemd-analyze is missing: `make setup` installs Debian's systemd package for it")
    values = [row[0] for row in VALUES]

    def verify(text):
        unit = tmp_path / "kthw-unit.service"
        unit.write_text(text.replace("/usr/local/bin/etcd", "/bin/true"), encoding="utf-8")
        return subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, check=False)

    result = verify(unit_for(dict(("f%d" % i, value) for i, value in enumerate(values))))
    assert (result.returncode, result.stderr) == (0, "")
    old = verify("[Service]\nExecStart=/usr/local/bin/etcd \\\n  --f=C:\\dir\n")
    assert "Ignoring unknown escape sequences" in old.stderr, "the cross-check must catch what the old units did"


@pytest.mark.parametrize("value", ["plain", "a b", 'say "hi"', "it's", "C:\\dir", "tail\\", "  x  ", "", "*,-y"])
def test_shlex_agrees_where_systemd_and_the_shell_quote_alike(value):
    """Without % and $ systemd's quoting inside double quotes is the shell's: an independent reader."""
    line = [line for line in _logical_lines(unit_for({"f": value})) if line.startswith("ExecStart=")][0]
    assert shlex.split(line[len("ExecStart="):]) == ["/usr/local/bin/etcd", "--f=%s" % value]


def test_the_order_is_the_one_dictsort_gave():
    flags = {"b": 1, "A": 2, "c-d": 3, "a": 4, "B2": 5}
    order = Environment().from_string("{% for k, v in f | dictsort %}{{ k }} {% endfor %}").render(f=flags).split()
    assert [argument.split("=")[0][2:] for argument in systemd_exec_args(flags)] == order


@pytest.mark.parametrize("value, what, position", [
    ("\n", "a newline", 1),
    ("first\nExecStartPre=/bin/rm -rf /", "a newline", 6),
    ("a\rb", "a carriage return", 2),
    ("a\tb", "a tab", 2),
    ("\x00", "the control character U+0000", 1),
    ("red \x1b[31m", "the control character U+001B", 5),
    ("\x7f", "the control character U+007F", 1),
    ("\x85", "the control character U+0085", 1),
])
def test_a_control_character_is_refused_naming_the_flag(value, what, position):
    with pytest.raises(AnsibleFilterError) as error:
        systemd_exec_args({"ok": "fine", "log-outputs": value}, "etcd_extra_flags")
    assert str(error.value) == (
        "systemd_exec_args: the value of --log-outputs in etcd_extra_flags holds %s (at character %d): systemd reads "
        "a unit line by line, so it would cut the command there and read the rest as a new setting. Give "
        "--log-outputs a value without control characters" % (what, position))


@pytest.mark.parametrize("name", ["--data-dir", "bad name", "x=y", "", "a\nb", "-x", "a/b", "ä"])
def test_a_flag_name_systemd_or_the_binary_would_misread_is_refused(name):
    with pytest.raises(AnsibleFilterError) as error:
        systemd_exec_args({name: "v"}, "kube_apiserver_extra_flags")
    assert str(error.value) == (
        "systemd_exec_args: the flag name %r in kube_apiserver_extra_flags cannot go on a systemd ExecStart= line: "
        "write flag names without the leading dashes, with letters, digits, '-', '_' and '.' only" % name)


def test_without_a_variable_the_message_names_the_flag_only():
    with pytest.raises(AnsibleFilterError, match=r"^systemd_exec_args: the value of --x holds a newline \(at"):
        systemd_exec_args({"x": "\n"})


@pytest.mark.parametrize("flags", [None, [], "a=b"])
def test_only_a_mapping_is_taken(flags):
    with pytest.raises(AnsibleFilterError, match="expects a mapping of flag names to values in etcd_extra_flags"):
        systemd_exec_args(flags, "etcd_extra_flags")


def test_the_reader_refuses_what_systemd_would_misread():
    """The reader is strict: the old rendering of these values is not read back as given."""
    for line, problem in [('ExecStart=/bin/x --f="a', "unterminated"), ("ExecStart=/bin/x --f=50%", "specifier"),
                          ("ExecStart=/bin/x --f=$HOME", "environment"), ("ExecStart=/bin/x --f=a\\d", "escape")]:
        with pytest.raises(Refused, match=problem):
            exec_start_argv(line)
    assert exec_start_argv("ExecStart=/bin/x --f=a b") == ["/bin/x", "--f=a", "b"]
