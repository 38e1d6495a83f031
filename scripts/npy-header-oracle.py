#!/usr/bin/env python3
"""Asks numpy which .npy headers it accepts, to keep brainfit's header grammar equal to numpy's.

Not run in CI (CI has no Python): it writes test/io/fixtures/npy-headers.json, which
test/io/npy-header.test.ts replays. Each case is a whole .npy file (small arrays), numpy's
verdict from np.load(path) and, when accepted, the loaded array. Rerun after a numpy upgrade:
    python3 scripts/npy-header-oracle.py
"""
import base64, io, json, os, random, sys, tempfile, warnings
import numpy as np

rng = random.Random(17)
warnings.simplefilter("ignore")


def npy(arr, version):
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, version=version)
    return b.getvalue()


def with_header(text, version=(1, 0), data=b"", raw=None):
    """A .npy file with the given header text (no padding added)."""
    h = raw if raw is not None else text.encode("utf-8" if version[0] == 3 else "latin-1")
    pre = b"\x93NUMPY" + bytes(version)
    pre += len(h).to_bytes(2 if version[0] == 1 else 4, "little")
    return pre + h + data


def verdict(blob):
    with tempfile.NamedTemporaryFile(suffix=".npy", delete=False) as f:
        f.write(blob)
        path = f.name
    try:
        a = np.load(path, allow_pickle=False)
        ok = True
    except Exception as e:  # noqa: BLE001 -- any refusal counts
        ok, a = False, type(e).__name__ + ": " + str(e)[:160]
    finally:
        os.unlink(path)
    if not ok:
        return {"numpy": "refuses", "why": a}
    out = {"numpy": "accepts", "shape": list(a.shape), "dtype": a.dtype.str}
    if a.dtype.kind in "biuf" and a.dtype.itemsize <= 8:
        # values as float64 bit patterns so NaN payloads and -0 survive JSON
        out["bits"] = [hex(v) for v in a.astype(np.float64).ravel().view(np.uint64).tolist()] if a.dtype.kind == "f" else None
        out["values"] = [int(v) for v in a.ravel().tolist()] if a.dtype.kind in "biu" else None
    elif a.dtype.kind == "U":
        out["strings"] = a.ravel().tolist()
    return out


cases = []


def add(name, blob):
    cases.append({"name": name, "b64": base64.b64encode(blob).decode(), **verdict(blob)})


x = np.arange(6, dtype="<f8").reshape(2, 3) / 4
D = x.tobytes()
bases = {
    "v1 f8 (2,3)": npy(x, (1, 0)),
    "v2 f8 (2,3)": npy(x, (2, 0)),
    "v3 f8 (2,3)": npy(x, (3, 0)),
    "v1 i4 (4,)": npy(np.arange(4, dtype="<i4"), (1, 0)),
    "v1 U3 (2,)": npy(np.array(["ab", "c"]), (1, 0)),
}
for name, b in bases.items():
    add(name, b)

# hand-written headers around every rule of numpy's grammar
H = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
hand = {
    "plain": H,
    "no trailing comma": H.replace(", }", "}"),
    "comment after dict": H + "  # a comment\n",
    "comment inside dict": H.replace("'shape'", "# c\n'shape'"),
    "leading newline": "\n" + H,
    "leading newline then indent": "\n  " + H,
    "leading spaces": "   " + H,
    "leading tab": "\t" + H,
    "vertical tab padding": H + "\x0b\n",
    "form feed padding": H + "\x0c\n",
    "nbsp padding": H + "\xa0\n",
    "carriage return": H + "\r\n",
    "null padding": H + "\x00\n",
    "line continuation": H.replace("'shape':", "'shape': \\\n"),
    "extra key": H.replace("}", "'extra': 1}"),
    "missing key": "{'descr': '<f8', 'shape': (2, 3)}",
    "duplicate key": H.replace("{", "{'descr': '<i4', "),
    "shape list": H.replace("(2, 3)", "[2, 3]"),
    "shape int": "{'descr': '<f8', 'fortran_order': False, 'shape': 6}",
    "shape parenthesised int": "{'descr': '<f8', 'fortran_order': False, 'shape': (6)}",
    "shape bool": H.replace("(2, 3)", "(True, 6)"),
    "shape hex": H.replace("(2, 3)", "(0x2, 0o3)"),
    "shape underscore": H.replace("(2, 3)", "(0_2, 3)"),
    "shape leading zero": H.replace("(2, 3)", "(02, 3)"),
    "shape plus sign": H.replace("(2, 3)", "(+2, 3)"),
    "shape double sign": H.replace("(2, 3)", "(--2, 3)"),
    "shape sign on parens": H.replace("(2, 3)", "(-(-2), 3)"),
    "shape negative": H.replace("(2, 3)", "(-2, 3)"),
    "shape minus one": H.replace("(2, 3)", "(-1,)"),
    "shape float": H.replace("(2, 3)", "(2.0, 3)"),
    "shape long v1": H.replace("(2, 3)", "(2L, 3L)"),
    "shape long spaced v1": H.replace("(2, 3)", "(2 L, 3)"),
    "shape lower l": H.replace("(2, 3)", "(2l, 3)"),
    "fortran int": H.replace("False", "0"),
    "fortran None": H.replace("False", "None"),
    "descr double quotes": H.replace("'<f8'", '"<f8"'),
    "descr concatenated": H.replace("'<f8'", "'<' 'f8'"),
    "descr escape x": H.replace("'<f8'", "'\\x3cf8'"),
    "descr escape octal": H.replace("'<f8'", "'\\74f8'"),
    "descr escape u": H.replace("'<f8'", "'\\u003cf8'"),
    "descr unknown escape": H.replace("'<f8'", "'\\<f8'"),
    "descr raw": H.replace("'<f8'", "r'<f8'"),
    "descr unicode prefix": H.replace("'<f8'", "u'<f8'"),
    "descr bytes": H.replace("'<f8'", "b'<f8'"),
    "descr fstring": H.replace("'<f8'", "f'<f8'"),
    "descr triple": H.replace("'<f8'", "'''<f8'''"),
    "descr name": H.replace("'<f8'", "'float64'"),
    "descr char": H.replace("'<f8'", "'d'"),
    "descr pipe": H.replace("'<f8'", "'|f8'"),
    "descr equals": H.replace("'<f8'", "'=f8'"),
    "descr tuple empty shape": H.replace("'<f8'", "('<f8', ())"),
    "key bytes": H.replace("'shape'", "b'shape'"),
    "dict in parens": "(" + H + ")",
    "set": "{'descr', 'shape'}",
    "list": "['descr', '<f8']",
    "trailing garbage": H + " x",
    "trailing second line": H + "\n5",
    "unterminated": H[:-1],
    "double comma": H.replace(", }", ",, }"),
    "single quote newline": H.replace("'<f8'", "'<f8\n'"),
}
for name, text in hand.items():
    add("hand v1: " + name, with_header(text + " " * 3 + "\n", (1, 0), D))
for name in ["plain", "shape long v1", "comment after dict", "descr escape u"]:
    add("hand v3: " + name, with_header(hand[name] + "\n", (3, 0), D))
add("v3 invalid utf-8", with_header("", (3, 0), D, raw=(H + " \xff\n").encode("latin-1")))
add("v3 utf-8 comment", with_header(H + " # \u00e9\n", (3, 0), D))
add("version 1.1", with_header(H + "\n", (1, 1), D))
add("version 4.0", with_header(H + "\n", (4, 0), D, raw=(H + "\n").encode()))
add("header 10001 chars", with_header(H + " " * (10000 - len(H)) + "\n", (2, 0), D))
add("header 10000 chars", with_header(H + " " * (9999 - len(H)) + "\n", (2, 0), D))

# random single-byte mutations inside the header
for name, b in bases.items():
    start = 10 if b[6] == 1 else 12
    hl = int.from_bytes(b[8:start], "little")
    for _ in range(120):
        m = bytearray(b)
        i = rng.randrange(start, start + hl)
        m[i] = rng.choice([rng.randrange(256), rng.choice(b" #'\"(),:[]{}-+0123456789LlTFxjb\\\t\x0b\x0c\r\n\xa0")])
        add(f"mutated {name} byte {i} -> {m[i]:#04x}", bytes(m))

json.dump({"generator": "scripts/npy-header-oracle.py", "numpy": np.__version__, "python": sys.version.split()[0], "cases": cases},
          open(os.path.join(os.path.dirname(__file__), "..", "test", "io", "fixtures", "npy-headers.json"), "w"), indent=0)
print(f"{len(cases)} cases, numpy accepts {sum(c['numpy'] == 'accepts' for c in cases)}")
